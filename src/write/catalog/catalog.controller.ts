import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AdminOnly } from '../../http/auth/admin-only.decorator';
import { idempotencyKeyOf } from '../../http/idempotency/idempotency-key';
import { apiBody, parseBody } from '../../http/validation';
import { idFromKey, markPosition } from '../respond';
import { MAX_ADMIT_PER_MINUTE } from '../queue/admission.decider';
import { CreateConcertCommand } from './create-concert/create-concert.handler';

const MAX_PRICE = 10_000_000;

const createConcertBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  schedules: z
    .array(
      z.strictObject({
        startsAt: z.iso.datetime({ offset: true }),
        seats: z
          .array(
            z.strictObject({
              seatNo: z.number().int().min(1).max(1_000_000),
              price: z.number().int().min(0).max(MAX_PRICE),
            }),
          )
          .min(1)
          .max(100_000)
          .refine((seats) => new Set(seats.map((s) => s.seatNo)).size === seats.length, 'seat numbers must be unique'),
      }),
    )
    .min(1)
    .max(100),
  maxSeatsPerUser: z.number().int().min(1).max(1_000).optional(),
  refundCutoffHours: z.number().int().min(0).max(8_760).optional(),
  /** Most users admitted from the waiting room per minute (default: no limit). */
  admitPerMinute: z.number().int().min(1).max(MAX_ADMIT_PER_MINUTE).optional(),
  /** When the sale opens; joins before it wait in a pre-queue that is shuffled at the opening. */
  onSaleAt: z.iso.datetime({ offset: true }).optional(),
});

@ApiTags('catalog')
@Controller('v1/admin/concerts')
export class CatalogController {
  constructor(private readonly commands: CommandBus) {}

  @AdminOnly()
  @Post()
  @HttpCode(201)
  @apiBody(createConcertBody)
  async create(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const concert = parseBody(createConcertBody, body);
    const concertId = idFromKey('admin', 'concert', idempotencyKeyOf(request));
    const { position, ...created } = await this.commands.execute(new CreateConcertCommand(concert, concertId));
    markPosition(reply, position);
    return created;
  }
}
