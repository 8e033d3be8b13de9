import { Controller, Get, Header, Inject, Logger, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from './auth/public.decorator';
import { Readiness, READINESS, ReadinessProbe } from './tokens';

/** Liveness says the process answers; readiness says it can serve (a load balancer keys off the status). */
@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  private readonly logger = new Logger('Readiness');

  constructor(@Inject(READINESS) private readonly readiness: ReadinessProbe) {}

  @Get('health')
  @Header('Cache-Control', 'no-store')
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const state = await this.readiness.check().catch((error: unknown): Readiness => {
      // A probe that cannot even answer means "not ready", not a 500 the balancer might misread.
      this.logger.warn(`readiness probe failed: ${error instanceof Error ? error.message : String(error)}`);
      return {
        ready: false,
        eventStore: 'unknown',
        readModels: 'unknown',
        breakers: 'unknown',
        projections: 'unknown',
      };
    });
    reply.status(state.ready ? 200 : 503);
    return {
      eventStore: state.eventStore,
      readModels: state.readModels,
      breakers: state.breakers,
      projections: state.projections,
    };
  }
}
