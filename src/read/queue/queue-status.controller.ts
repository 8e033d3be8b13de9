import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { QueueToken } from '../../http/auth/queue-token';
import { GetQueueStatus } from './get-queue-status.query';
import type { QueueTokenClaims } from './queue-access';

@ApiTags('queue')
@Controller('v1/queue')
export class QueueStatusController {
  constructor(private readonly queries: QueryBus) {}

  @Get('status')
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  async status(@QueueToken() token: QueueTokenClaims) {
    return this.queries.execute(new GetQueueStatus(token));
  }
}
