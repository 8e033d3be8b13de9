import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { QueueToken } from '../../http/auth/queue-token';
import { answer } from '../answer';
import { readRequestOf } from '../read-deadline';
import { GetQueueStatus } from './get-queue-status.query';
import type { QueueTokenClaims } from '../../http/auth/token.service';

@ApiTags('queue')
@Controller('v1/queue')
export class QueueStatusController {
  constructor(private readonly queries: QueryBus) {}

  @Get('status')
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  async status(@QueueToken() token: QueueTokenClaims, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.queries.execute(new GetQueueStatus(token, readRequestOf(reply))));
  }
}
