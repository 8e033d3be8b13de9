import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly } from '../http/auth/admin-only.decorator';
import { apiBody, parseBody, parseParam } from '../http/validation';
import { ProjectionJobs } from './projection-jobs';
import { ProjectionTools } from './projection-tools';

const jobBody = z.strictObject({
  projection: z.string().min(1).max(100).describe('a projection name from GET /v1/admin/projections, or "all"'),
});

/** The read models for operators: `npm run cli -- projections:*` goes through these when given --url. */
@ApiTags('admin: projections')
@Controller('v1/admin/projections')
export class ProjectionsAdminController {
  constructor(
    @Inject(ProjectionTools) private readonly tools: ProjectionTools,
    @Inject(ProjectionJobs) private readonly jobs: ProjectionJobs,
  ) {}

  @AdminOnly()
  @Get()
  @ApiOperation({ summary: 'Every projection with its version, generation, checkpoint, the head, lag and state' })
  list() {
    return this.tools.list();
  }

  @AdminOnly()
  @Post('rebuilds')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Rebuild beside the live read model, switch to it once caught up, drop the old one (a job: poll GET jobs/{jobId})',
  })
  @apiBody(jobBody)
  rebuild(@Body() body: unknown) {
    const { projection } = parseBody(jobBody, body);
    return this.tools.startJob(this.jobs, 'rebuild', projection);
  }

  @AdminOnly()
  @Post('verifications')
  @HttpCode(202)
  @ApiOperation({ summary: 'Replay into a scratch copy and compare it with the live read model (a job)' })
  @apiBody(jobBody)
  verify(@Body() body: unknown) {
    const { projection } = parseBody(jobBody, body);
    return this.tools.startJob(this.jobs, 'verify', projection);
  }

  @AdminOnly()
  @Get('jobs/:jobId')
  @ApiOperation({ summary: 'A rebuild or verify job: state, progress, steps, results' })
  @ApiParam({ name: 'jobId', example: '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f' })
  job(@Param('jobId') jobId: string) {
    return this.jobs.get(parseParam(z.uuid(), jobId, 'jobId'));
  }
}
