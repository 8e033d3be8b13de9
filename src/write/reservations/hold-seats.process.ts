import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { handleCommand } from '../../shared/command-handler';
import { CommandMetadata } from '../../shared/decider';
import { DomainError } from '../../shared/domain-error';
import { Faults } from '../../shared/faults';
import { ReservationRequested, ReservationState, reservationDecider, reservationStream } from './reservation.decider';
import { grantSeats, returnSeats, seatLimitOf } from './seat-allowances';
import { ReleaseReason, seatDecider, seatStream } from './seat.decider';

export type HoldRequest = ReservationRequested['data'];

/**
 * Holding several seats touches several streams, so it is a process manager
 * whose progress is itself in events: the reservation records the request,
 * each seat records its hold, and the reservation records the outcome. A
 * crash between any two steps leaves a `pending` reservation that recovery
 * runs again through `proceed`, every step of which is idempotent.
 */
export class HoldSeatsProcess {
  constructor(
    private readonly store: CachedEventStore,
    private readonly faults: Faults,
  ) {}

  /** Reservations whose flow runs in this process now: recovery never races a flow that is only slow. */
  private readonly live = new Set<string>();

  async start(request: HoldRequest, metadata: CommandMetadata): Promise<number> {
    this.live.add(request.reservationId);
    try {
      return await this.run(request, metadata);
    } finally {
      this.live.delete(request.reservationId);
    }
  }

  private async run(request: HoldRequest, metadata: CommandMetadata): Promise<number> {
    const limit = await seatLimitOf(this.store, request.concertId);
    if (limit !== undefined) return this.runLimited(request, limit, metadata);
    // A new reservation id names a stream nobody has written: skip reading it.
    this.store.assumeNew(reservationStream(request.reservationId));
    const requested = handleCommand(this.store, reservationStream(request.reservationId), reservationDecider, {
      type: 'RequestHold',
      data: request,
      metadata,
    });
    // The request's state is cached (assumed new), so its append is made before this line and the
    // seats' appends come after it. Where the store commits appends in the order they are made and a
    // flush covers all that came before, no seat hold is ever durable without its request, so the seats
    // need not wait for it; where it does not (KurrentDB), they wait.
    try {
      this.faults.check('hold:after-request');
    } catch (fault) {
      await requested.catch(() => undefined);
      throw fault;
    }
    if (!this.store.guarantees.appendsCommitInOrder) await requested;
    const taking = this.takeSeats(request, metadata);
    try {
      await requested;
    } catch (error) {
      await taking;
      await releaseSeats(this.store, request.seatIds, request.reservationId, 'hold-failed', metadata);
      throw error;
    }
    return this.settle(request, await taking, metadata);
  }

  /**
   * A concert with a seat limit grants the seats out of the user's allowance
   * between the request and the seats. The request is durable first, so no
   * grant exists for a reservation recovery cannot find.
   */
  private async runLimited(request: HoldRequest, limit: number, metadata: CommandMetadata): Promise<number> {
    this.store.assumeNew(reservationStream(request.reservationId));
    await handleCommand(this.store, reservationStream(request.reservationId), reservationDecider, {
      type: 'RequestHold',
      data: request,
      metadata,
    });
    this.faults.check('hold:after-request');
    await this.grant(request, limit, metadata);
    return this.settle(request, await this.takeSeats(request, metadata), metadata);
  }

  /** A refused grant (the limit, or an allowance too contended) rejects the reservation before any seat is taken. */
  private async grant(request: HoldRequest, limit: number, metadata: CommandMetadata): Promise<void> {
    try {
      await grantSeats(this.store, request, limit, metadata);
    } catch (error) {
      if (error instanceof DomainError) {
        const { reservationId } = request;
        await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
          type: 'RejectHold',
          data: { reservationId, unavailableSeatIds: [] },
          metadata,
        });
      }
      throw error;
    }
  }

  /**
   * Recovery: takes every seat or none of a reservation still pending. One that
   * ended meanwhile (its own flow was only slow, not dead) is left alone.
   */
  async proceed(request: HoldRequest, metadata: CommandMetadata): Promise<number | undefined> {
    if (this.live.has(request.reservationId)) return undefined;
    const stream = reservationStream(request.reservationId);
    const { state } = await this.store.load<ReservationState>(stream, reservationDecider);
    if (state.phase !== 'pending') return undefined;
    const limit = await seatLimitOf(this.store, request.concertId);
    if (limit !== undefined) await this.grant(request, limit, metadata);
    return this.settle(request, await this.takeSeats(request, metadata), metadata);
  }

  private takeSeats(request: HoldRequest, metadata: CommandMetadata): Promise<PromiseSettledResult<void>[]> {
    const { reservationId, userId, expiresAt } = request;
    return Promise.allSettled(
      request.seatIds.map(async (seatId) => {
        await handleCommand(this.store, seatStream(seatId), seatDecider, {
          type: 'HoldSeat',
          data: { seatId, reservationId, userId, expiresAt },
          metadata,
        });
        this.faults.check('hold:after-seat');
      }),
    );
  }

  private async settle(
    request: HoldRequest,
    outcomes: PromiseSettledResult<void>[],
    metadata: CommandMetadata,
  ): Promise<number> {
    const { reservationId, expiresAt } = request;
    const failure = outcomes.find(
      (o): o is PromiseRejectedResult => o.status === 'rejected' && !isUnavailable(o.reason),
    );
    if (failure) throw failure.reason;
    const unavailable = request.seatIds.filter((_, i) => outcomes[i].status === 'rejected');
    const late = Date.parse(expiresAt) <= metadata.now.getTime();
    if (unavailable.length > 0 || late) {
      await this.compensate(request, unavailable, late ? 'expired' : 'hold-failed', metadata);
      if (late)
        throw new DomainError('HOLD_EXPIRED', `reservation ${reservationId} expired before its seats were held`);
      throw new DomainError('SEAT_UNAVAILABLE', `seats not available: ${unavailable.join(', ')}`, {
        seatIds: unavailable,
      });
    }
    const confirmed = await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
      type: 'ConfirmHold',
      data: { reservationId },
      metadata,
    });
    if (confirmed.state.phase !== 'held' && confirmed.state.phase !== 'paid') {
      // The reservation ended while its seats were being taken (a slow flow and its recovery raced):
      // a seat must never stay held for a reservation that no longer is.
      await releaseSeats(this.store, request.seatIds, reservationId, 'hold-failed', metadata);
      await returnSeats(this.store, request, metadata);
      throw new DomainError('SEAT_UNAVAILABLE', `reservation ${reservationId} ended before its seats were held`, {
        seatIds: [],
      });
    }
    return confirmed.position ?? (await this.store.headPosition());
  }

  private async compensate(
    request: HoldRequest,
    unavailableSeatIds: string[],
    reason: ReleaseReason,
    metadata: CommandMetadata,
  ): Promise<void> {
    const { reservationId } = request;
    // A seat refused to this reservation is someone else's: releasing it would only re-read its stream
    // (a no-op on cached state is checked on the stream), which on hot seats was most of a refusal's cost.
    const taken = request.seatIds.filter((id) => !unavailableSeatIds.includes(id));
    await releaseSeats(this.store, taken, reservationId, reason, metadata);
    await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
      type: 'RejectHold',
      data: { reservationId, unavailableSeatIds },
      metadata,
    });
    await returnSeats(this.store, request, metadata);
  }
}

export async function releaseSeats(
  store: CachedEventStore,
  seatIds: readonly string[],
  reservationId: string,
  reason: ReleaseReason,
  metadata: CommandMetadata,
): Promise<void> {
  await Promise.all(
    seatIds.map((seatId) =>
      handleCommand(store, seatStream(seatId), seatDecider, {
        type: 'ReleaseSeat',
        data: { seatId, reservationId, reason },
        metadata,
      }),
    ),
  );
}

// A seat whose stream keeps changing under us (CONCURRENCY_CONFLICT) is as taken as a held one:
// refuse and compensate now rather than leave the reservation half-done for recovery.
const isUnavailable = (error: unknown) => error instanceof DomainError;
