import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { QueueAccess, QueueTokenClaims } from '../../queue/queue-access';
import { ReservationState, reservationDecider, reservationStream } from '../../reservations/reservation.decider';
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
    if (state.phase !== 'paid') await this.access.requireActive(token, state.request.concertId);
    return this.payments.start(reservationId, token.userId, paymentId, metadataAt(this.clock.now(), reservationId));
  }
}
