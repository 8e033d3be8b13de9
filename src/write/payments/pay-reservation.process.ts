import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { handleCommand } from '../../shared/command-handler';
import { CommandMetadata } from '../../shared/decider';
import { DomainError } from '../../shared/domain-error';
import { Faults } from '../../shared/faults';
import { queueEntryDecider, queueEntryStream } from '../queue/queue-entry.decider';
import { releaseSeats } from '../reservations/hold-seats.process';
import { ReservationRequested, reservationDecider, reservationStream } from '../reservations/reservation.decider';
import { seatDecider, seatStream } from '../reservations/seat.decider';
import { walletDecider, walletStream } from '../wallet/wallet.decider';

export type PaymentOutcome = {
  paymentId: string;
  reservationId: string;
  amount: number;
  balance: number;
  position: number;
};

/**
 * Paying is a process manager over four kinds of stream: the reservation
 * records that payment began (which stops it expiring or being cancelled),
 * the wallet is debited, each seat is sold, and the reservation and queue
 * entry record the end. Every step is idempotent by payment id, so recovery
 * finishes an interrupted payment by running `proceed` again; a step refused
 * for a business reason undoes the earlier ones.
 */
export class PayReservationProcess {
  constructor(
    private readonly store: CachedEventStore,
    private readonly faults: Faults,
  ) {}

  async start(
    reservationId: string,
    userId: string,
    paymentId: string,
    metadata: CommandMetadata,
  ): Promise<PaymentOutcome> {
    const started = await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
      type: 'StartPayment',
      data: { reservationId, paymentId, userId },
      metadata,
    });
    this.faults.check('pay:after-start');
    return this.proceed(started.state.request!, paymentId, metadata);
  }

  async proceed(
    request: ReservationRequested['data'],
    paymentId: string,
    metadata: CommandMetadata,
  ): Promise<PaymentOutcome> {
    const { reservationId, userId, amount, seatIds } = request;
    const fail = async (code: string) =>
      handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
        type: 'FailPayment',
        data: { reservationId, paymentId, code },
        metadata,
      });

    let debited;
    try {
      debited = await handleCommand(this.store, walletStream(userId), walletDecider, {
        type: 'DebitWallet',
        data: { userId, paymentId, amount },
        metadata,
      });
    } catch (error) {
      if (error instanceof DomainError) await fail(error.code);
      throw error;
    }
    this.faults.check('pay:after-debit');

    const sales = await Promise.allSettled(
      seatIds.map((seatId) =>
        handleCommand(this.store, seatStream(seatId), seatDecider, {
          type: 'SellSeat',
          data: { seatId, reservationId, paymentId },
          metadata,
        }),
      ),
    );
    const refused = sales.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (refused) {
      if (!(refused.reason instanceof DomainError)) throw refused.reason;
      await releaseSeats(this.store, seatIds, reservationId, 'payment-failed', metadata);
      await handleCommand(this.store, walletStream(userId), walletDecider, {
        type: 'RefundWallet',
        data: { userId, paymentId },
        metadata,
      });
      await fail(refused.reason.code);
      throw refused.reason;
    }
    this.faults.check('pay:after-seats');

    // Both follow from the seats being sold and neither needs the other, so they share one commit.
    // A crash between them leaves the payment in flight, and recovery runs `proceed` again.
    const [paid, done] = await Promise.all([
      handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
        type: 'CompletePayment',
        data: { reservationId, paymentId },
        metadata,
      }),
      handleCommand(this.store, queueEntryStream(request.concertId, userId), queueEntryDecider, {
        type: 'CompleteQueueEntry',
        data: { entryId: request.queueEntryId, reservationId },
        metadata,
      }),
    ]);
    const position =
      Math.max(paid.position ?? 0, done.position ?? 0, debited.position ?? 0) || (await this.store.headPosition());
    return { paymentId, reservationId, amount, balance: debited.state.balance, position };
  }
}
