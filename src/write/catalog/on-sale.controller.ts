import { Body, Controller, HttpCode, Param, Patch, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminOnly } from '../../http/auth/admin-only.decorator';
import { apiBody, parseBody, parseId } from '../../http/validation';
import { markPosition } from '../respond';
import { RescheduledOnSale, RescheduleOnSaleCommand } from './reschedule-on-sale/reschedule-on-sale.handler';

const patchConcertBody = z.strictObject({
  /** The new opening, in the future; refused with 409 ON_SALE_STARTED once the current one has passed. */
  onSaleAt: z.iso.datetime({ offset: true }),
});

@ApiTags('catalog')
@Controller('v1/admin/concerts')
export class OnSaleController {
  constructor(private readonly commands: CommandBus) {}

  @AdminOnly()
  @Patch(':concertId')
  @HttpCode(200)
  @apiBody(patchConcertBody)
  @ApiOperation({ summary: "Move a concert's opening (onSaleAt) before it passes" })
  async patch(
    @Param('concertId') rawConcertId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const concertId = parseId(rawConcertId, 'concertId');
    const { onSaleAt } = parseBody(patchConcertBody, body);
    const { position, ...rescheduled }: RescheduledOnSale = await this.commands.execute(
      new RescheduleOnSaleCommand(concertId, onSaleAt),
    );
    markPosition(reply, position);
    return rescheduled;
  }
}
