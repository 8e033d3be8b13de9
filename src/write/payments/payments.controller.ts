import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { QueueToken } from '../../http/auth/queue-token';
import { idempotencyKeyOf } from '../../http/idempotency/idempotency-key';
import { apiBody, parseBody } from '../../http/validation';
import type { QueueTokenClaims } from '../../http/auth/token.service';
import { idFromKey, markPosition } from '../respond';
import { PayReservationCommand } from './pay/pay-reservation.handler';

const payBody = z.strictObject({ reservationId: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'not a valid id') });

@ApiTags('payments')
@Controller('v1/payments')
export class PaymentsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiHeader({ name: 'X-Queue-Token', required: true })
  @apiBody(payBody)
  async pay(
    @Body() body: unknown,
    @CurrentUser() userId: string,
    @QueueToken() token: QueueTokenClaims,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { reservationId } = parseBody(payBody, body);
    const paymentId = idFromKey(userId, `payment:${reservationId}`, idempotencyKeyOf(request));
    const { position, ...payment } = await this.commands.execute(
      new PayReservationCommand(reservationId, paymentId, token),
    );
    markPosition(reply, position);
    return payment;
  }
}
