import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { parseId } from '../../shared/ids';
import { answer } from '../answer';
import { readRequestOf } from '../read-deadline';
import { Answer } from '../breakers/read-breaker';
import { GuardedReads } from '../guarded-reads';
import { ReadRequest, readNow } from '../read-deadline';
import { ReservationRead } from '../stores/read-store.port';

export type ReservationView = Omit<ReservationRead, 'userId'>;

export class GetReservation extends Query<Answer<ReservationView>> {
  constructor(
    readonly reservationId: string,
    readonly userId: string,
    readonly request: ReadRequest = readNow(),
  ) {
    super();
  }
}

@QueryHandler(GetReservation)
export class GetReservationHandler implements IQueryHandler<GetReservation> {
  constructor(
    private readonly reads: GuardedReads,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ reservationId, userId, request }: GetReservation): Promise<Answer<ReservationView>> {
    const now = this.clock.now().getTime();
    const { value, staleMs } = await this.reads.documents(request, `reservation:${reservationId}`, (r) =>
      r.reservation(reservationId, now),
    );
    // Another user's reservation is indistinguishable from a missing one.
    if (!value || value.userId !== userId) {
      throw new DomainError('RESERVATION_NOT_FOUND', `reservation ${reservationId} not found`);
    }
    const { userId: _owner, ...view } = value;
    return { value: view, staleMs };
  }
}

@ApiTags('reservations')
@Controller('v1/reservations')
export class ReservationQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':reservationId')
  async get(
    @Param('reservationId') reservationId: string,
    @CurrentUser() userId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const id = parseId(reservationId, 'reservation', 'RESERVATION_NOT_FOUND');
    return answer(reply, await this.queries.execute(new GetReservation(id, userId, readRequestOf(reply))));
  }
}
