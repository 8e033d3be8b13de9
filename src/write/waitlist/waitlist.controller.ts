import { Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { QueueToken } from '../../http/auth/queue-token';
import type { QueueTokenClaims } from '../../http/auth/token.service';
import { parseId } from '../../shared/ids';
import { markPosition } from '../respond';
import { JoinWaitlistCommand } from './join-waitlist/join-waitlist.handler';

@ApiTags('waitlist')
@Controller('v1/schedules/:scheduleId/waitlist')
export class WaitlistController {
  constructor(private readonly commands: CommandBus) {}

  /** 201 on joining, 200 with the same entry while the user is already on the list. */
  @Post()
  @ApiOperation({
    summary: 'Join a sold-out schedule’s waiting list',
    description:
      'Only while no seat of the schedule is available (else 409 `SEATS_AVAILABLE`). A freed seat is offered to ' +
      'the first user waiting as a hold of `WAITLIST_OFFER_SECONDS`, paid with POST /v1/payments; see GET /v1/waitlist.',
  })
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  async join(
    @Param('scheduleId') rawScheduleId: string,
    @QueueToken() token: QueueTokenClaims,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const scheduleId = parseId(rawScheduleId, 'schedule', 'SCHEDULE_NOT_FOUND');
    const joined = await this.commands.execute(new JoinWaitlistCommand(scheduleId, token));
    markPosition(reply, joined.position);
    reply.status(joined.created ? 201 : 200);
    return { entryId: joined.entryId, scheduleId, status: 'WAITING' };
  }
}
