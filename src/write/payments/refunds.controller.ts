import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { idempotencyKeyOf } from '../../http/idempotency/idempotency-key';
import { parseId } from '../../shared/ids';
import { idFromKey, markPosition } from '../respond';
import { RefundReservationCommand } from './refund/refund-reservation.handler';

/** A refund needs no queue token: a paid reservation's token is DONE. */
@ApiTags('reservations')
@Controller('v1/reservations')
export class RefundsController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':reservationId/refund')
  @HttpCode(201)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async refund(
    @Param('reservationId') reservationId: string,
    @CurrentUser() userId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const id = parseId(reservationId, 'reservation', 'RESERVATION_NOT_FOUND');
    const refundId = idFromKey(userId, `refund:${id}`, idempotencyKeyOf(request));
    const { position, ...refund } = await this.commands.execute(new RefundReservationCommand(id, userId, refundId));
    markPosition(reply, position);
    return refund;
  }
}
