import { Controller, Get, Param, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../http/auth/public.decorator';
import { QueueToken } from '../../http/auth/queue-token';
import { parseId } from '../../shared/ids';
import { answer } from '../answer';
import { readRequestOf } from '../read-deadline';
import type { QueueTokenClaims } from '../../http/auth/token.service';
import { GetConcerts, GetSchedules, GetSeats } from './catalog.queries';

@ApiTags('catalog')
@Controller('v1')
export class CatalogQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Public()
  @Get('concerts')
  async concerts(@Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.queries.execute(new GetConcerts(readRequestOf(reply))));
  }

  @Get('concerts/:concertId/schedules')
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  async schedules(
    @Param('concertId') concertId: string,
    @QueueToken() token: QueueTokenClaims,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(
      reply,
      await this.queries.execute(new GetSchedules(parseId(concertId, 'concertId'), token, readRequestOf(reply))),
    );
  }

  @Get('schedules/:scheduleId/seats')
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  async seats(
    @Param('scheduleId') scheduleId: string,
    @QueueToken() token: QueueTokenClaims,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(
      reply,
      await this.queries.execute(new GetSeats(parseId(scheduleId, 'scheduleId'), token, readRequestOf(reply))),
    );
  }
}
