import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { concertState } from '../../catalog/concert-catalog';
import { DEFAULT_REFUND_CUTOFF_HOURS } from '../../catalog/concert.decider';
import { ReservationState, reservationDecider, reservationStream } from '../../reservations/reservation.decider';
import { REFUND_RESERVATION_PROCESS } from '../../tokens';
import { RefundOutcome, RefundReservationProcess } from '../refund-reservation.process';

export class RefundReservationCommand extends Command<RefundOutcome> {
  constructor(
    readonly reservationId: string,
    readonly userId: string,
    readonly refundId: string,
  ) {
    super();
  }
}

const HOUR_MS = 3_600_000;

/** The owner's refund, open until the concert's refund cutoff before its schedule starts. */
@CommandHandler(RefundReservationCommand)
export class RefundReservationHandler implements ICommandHandler<RefundReservationCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(REFUND_RESERVATION_PROCESS) private readonly refunds: RefundReservationProcess,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ reservationId, userId, refundId }: RefundReservationCommand) {
    // Read, not cached: another instance may have paid or refunded it a moment ago.
    const { state } = await this.store.load<ReservationState>(reservationStream(reservationId), reservationDecider);
    const request = state.request;
    if (!request || request.userId !== userId) {
      throw new DomainError('RESERVATION_NOT_FOUND', `reservation ${reservationId} not found`);
    }
    const concert = (await concertState(this.store, request.concertId)).created;
    const schedule = concert?.schedules.find((s) => s.scheduleId === request.scheduleId);
    if (!concert || !schedule) throw new DomainError('SCHEDULE_NOT_FOUND', `schedule ${request.scheduleId} not found`);
    const cutoffHours = concert.refundCutoffHours ?? DEFAULT_REFUND_CUTOFF_HOURS;
    const refundableUntil = new Date(Date.parse(schedule.startsAt) - cutoffHours * HOUR_MS).toISOString();
    const metadata = metadataAt(this.clock.now(), reservationId);
    return this.refunds.start(reservationId, userId, refundId, refundableUntil, metadata);
  }
}
