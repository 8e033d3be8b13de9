import { Body, Controller, Delete, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { QueueToken } from '../../http/auth/queue-token';
import { idempotencyKeyOf } from '../../http/idempotency/idempotency-key';
import { apiBody, parseBody } from '../../http/validation';
import type { QueueTokenClaims } from '../../http/auth/token.service';
import { parseId } from '../../shared/ids';
import { idFromKey, markPosition } from '../respond';
import { CancelReservationCommand } from './cancel-reservation/cancel-reservation.handler';
import { HoldSeatsCommand } from './hold-seats/hold-seats.handler';

const id = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'not a valid id');
const holdBody = z.strictObject({
  scheduleId: id,
  seatIds: z
    .array(id)
    .min(1)
    .max(4)
    .refine((ids) => new Set(ids).size === ids.length, 'seat ids must not repeat'),
});

@ApiTags('reservations')
@Controller('v1/reservations')
export class ReservationsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  @apiBody(holdBody)
  async hold(
    @Body() body: unknown,
    @CurrentUser() userId: string,
    @QueueToken() token: QueueTokenClaims,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { scheduleId, seatIds } = parseBody(holdBody, body);
    const reservationId = idFromKey(userId, 'reservation', idempotencyKeyOf(request));
    const held = await this.commands.execute(new HoldSeatsCommand(reservationId, scheduleId, seatIds, token));
    markPosition(reply, held.position);
    return {
      reservationId: held.reservationId,
      scheduleId: held.scheduleId,
      seatIds: held.seatIds,
      amount: held.amount,
      expiresAt: held.expiresAt,
    };
  }

  @Delete(':reservationId')
  @HttpCode(204)
  async cancel(
    @Param('reservationId') reservationId: string,
    @CurrentUser() userId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { position } = await this.commands.execute(
      new CancelReservationCommand(parseId(reservationId, 'reservation', 'RESERVATION_NOT_FOUND'), userId),
    );
    markPosition(reply, position);
  }
}
