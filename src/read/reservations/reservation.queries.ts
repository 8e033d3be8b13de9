import { Controller, Get, Inject, Param } from '@nestjs/common';
import { IQueryHandler, Query, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, EventStore } from '../../event-store/event-store.port';
import { ReservationStatus, reservationStatus } from '../../projections/reservations.projection';
import { CurrentUser } from '../../http/auth/current-user.decorator';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { parseId } from '../../shared/ids';
import { READ_MODELS, ReadModels } from '../read-models';

export type ReservationView = {
  reservationId: string;
  scheduleId: string;
  status: ReservationStatus;
  seatIds: string[];
  amount: number;
  expiresAt: string;
  paymentId?: string;
};

export class GetReservation extends Query<ReservationView> {
  constructor(
    readonly reservationId: string,
    readonly userId: string,
  ) {
    super();
  }
}

@QueryHandler(GetReservation)
export class GetReservationHandler implements IQueryHandler<GetReservation> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ reservationId, userId }: GetReservation): Promise<ReservationView> {
    const doc = await this.readModels.lookup(this.store, () => this.readModels.reservation(reservationId));
    // Another user's reservation is indistinguishable from a missing one.
    if (!doc || doc.userId !== userId || doc.phase === 'rejected') {
      throw new DomainError('RESERVATION_NOT_FOUND', `reservation ${reservationId} not found`);
    }
    return {
      reservationId,
      scheduleId: doc.scheduleId,
      status: reservationStatus(doc, this.clock.now().getTime()),
      seatIds: doc.seatIds,
      amount: doc.amount,
      expiresAt: doc.expiresAt,
      ...(doc.paymentId ? { paymentId: doc.paymentId } : {}),
    };
  }
}

@ApiTags('reservations')
@Controller('v1/reservations')
export class ReservationQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':reservationId')
  get(@Param('reservationId') reservationId: string, @CurrentUser() userId: string) {
    return this.queries.execute(
      new GetReservation(parseId(reservationId, 'reservation', 'RESERVATION_NOT_FOUND'), userId),
    );
  }
}
