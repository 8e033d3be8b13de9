import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { handleCommand } from '../../shared/command-handler';
import { CommandMetadata } from '../../shared/decider';
import { Faults } from '../../shared/faults';
import { releaseSeats } from '../reservations/hold-seats.process';
import { ReservationRequested, reservationDecider, reservationStream } from '../reservations/reservation.decider';
import { returnSeats } from '../reservations/seat-allowances';
import { walletDecider, walletStream } from '../wallet/wallet.decider';

export type RefundOutcome = {
  refundId: string;
  reservationId: string;
  amount: number;
  balance: number;
  position: number;
};

/**
 * Refunding a paid reservation is a process manager like paying: the
 * reservation records the refund's intent first (RefundRequested, which the
 * sweeper finds and resumes after a crash), then the wallet is credited what
 * the payment debited (WalletRefunded, once per payment id however often it
 * is asked), each seat is released (SeatReleased, reason `refunded`, so
 * whatever reacts to freed seats sees a refund like any release), the
 * reservation records the end, and the user's seat allowance is given back.
 * Nothing after the intent can be refused, so a refund is always finished,
 * never compensated.
 */
export class RefundReservationProcess {
  constructor(
    private readonly store: CachedEventStore,
    private readonly faults: Faults,
  ) {}

  async start(
    reservationId: string,
    userId: string,
    refundId: string,
    refundableUntil: string,
    metadata: CommandMetadata,
  ): Promise<RefundOutcome> {
    const requested = await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
      type: 'RequestRefund',
      data: { reservationId, refundId, userId, refundableUntil },
      metadata,
    });
    this.faults.check('refund:after-request');
    const { request, paidWith } = requested.state;
    return this.proceed(request!, refundId, paidWith!, metadata);
  }

  async proceed(
    request: ReservationRequested['data'],
    refundId: string,
    paymentId: string,
    metadata: CommandMetadata,
  ): Promise<RefundOutcome> {
    const { reservationId, userId, amount, seatIds } = request;
    const credited = await handleCommand(this.store, walletStream(userId), walletDecider, {
      type: 'RefundWallet',
      data: { userId, paymentId },
      metadata,
    });
    this.faults.check('refund:after-credit');

    await releaseSeats(this.store, seatIds, reservationId, 'refunded', metadata);
    this.faults.check('refund:after-seats');

    const refunded = await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
      type: 'CompleteRefund',
      data: { reservationId, refundId },
      metadata,
    });
    // After the end is recorded: a crash before this leaves a refunded reservation the sweeper finishes.
    await returnSeats(this.store, request, metadata);
    const position = Math.max(refunded.position ?? 0, credited.position ?? 0) || (await this.store.headPosition());
    return { refundId, reservationId, amount, balance: credited.state.balance, position };
  }
}
