import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { QueueAccess, QueueTokenClaims } from '../../queue/queue-access';
import {
  ReservationRequested,
  ReservationState,
  reservationDecider,
  reservationStream,
} from '../../reservations/reservation.decider';
import { isOfferTo } from '../../waitlist/offer-access';
import { CLOCK, Clock } from '../../../shared/clock';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { PAY_RESERVATION_PROCESS } from '../../tokens';
import { PaymentOutcome, PayReservationProcess } from '../pay-reservation.process';

export class PayReservationCommand extends Command<PaymentOutcome> {
  constructor(
    readonly reservationId: string,
    readonly paymentId: string,
    readonly token: QueueTokenClaims,
  ) {
    super();
  }
}

@CommandHandler(PayReservationCommand)
export class PayReservationHandler implements ICommandHandler<PayReservationCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(PAY_RESERVATION_PROCESS) private readonly payments: PayReservationProcess,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: QueueAccess,
  ) {}

  async execute({ reservationId, paymentId, token }: PayReservationCommand) {
    // Read, not cached: another instance may have paid or cancelled it a moment ago.
    const { state } = await this.store.load<ReservationState>(reservationStream(reservationId), reservationDecider);
    if (!state.request || state.request.userId !== token.userId) {
      throw new DomainError('RESERVATION_NOT_FOUND', `reservation ${reservationId} not found`);
    }
    // A reservation already paid answers ALREADY_PAID even after its queue token turned DONE.
    if (state.phase !== 'paid') await this.requireAccess(token, state.request);
    return this.payments.start(reservationId, token.userId, paymentId, metadataAt(this.clock.now(), reservationId));
  }

  /** An ACTIVE token, or a token of the concert whose user was offered this reservation from a waiting list. */
  private async requireAccess(token: QueueTokenClaims, request: ReservationRequested['data']): Promise<void> {
    try {
      await this.access.requireActive(token, request.concertId);
    } catch (error) {
      const offered =
        error instanceof DomainError &&
        error.code === 'QUEUE_NOT_ACTIVE' &&
        token.concertId === request.concertId &&
        (await isOfferTo(this.store, request.scheduleId, request.reservationId, token.userId));
      if (!offered) throw error;
    }
  }
}
