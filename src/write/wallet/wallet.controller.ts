import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { idempotencyKeyOf } from '../../http/idempotency/idempotency-key';
import { apiBody, parseBody } from '../../http/validation';
import { idFromKey, markPosition } from '../respond';
import { ChargeWalletCommand } from './charge-wallet/charge-wallet.handler';

const chargeBody = z.strictObject({ amount: z.number().int().min(1).max(10_000_000) });

@ApiTags('wallet')
@Controller('v1/wallet')
export class WalletController {
  constructor(private readonly commands: CommandBus) {}

  @Post('charge')
  @HttpCode(200)
  @apiBody(chargeBody)
  async charge(
    @Body() body: unknown,
    @CurrentUser() userId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { amount } = parseBody(chargeBody, body);
    const chargeId = idFromKey(userId, 'charge', idempotencyKeyOf(request));
    const { balance, position } = await this.commands.execute(new ChargeWalletCommand(userId, chargeId, amount));
    markPosition(reply, position);
    return { balance };
  }
}
