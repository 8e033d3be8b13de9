import { Logger } from '@nestjs/common';
import { RecordedEvent } from '../../event-store/event-store.port';
import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { Checkpoints } from '../../shared/checkpoints';
import { Clock } from '../../shared/clock';
import { handleCommand } from '../../shared/command-handler';
import { metadataAt } from '../../shared/metadata';
import { PayReservationProcess } from '../payments/pay-reservation.process';
import { RefundReservationProcess } from '../payments/refund-reservation.process';
import { HoldSeatsProcess, releaseSeats } from './hold-seats.process';
import { OpenReservation, OpenReservations, UNREAD } from './open-reservations';
import { ReservationState, reservationDecider, reservationStream } from './reservation.decider';
import { returnSeats } from './seat-allowances';
import { SeatState, seatDecider, seatStream } from './seat.decider';

const SETTLE_CONCURRENCY = 100;
/** Where a restarted instance's write side starts following the log (see OpenReservations.lowWater). */
export const SWEEPER_CHECKPOINT = 'reservation-sweeper';
const CHECKPOINT_EVERY_MS = 1_000;

/**
 * Finishes what a crash interrupted and tidies what time decided. Holds past
 * their TTL already block nobody (the seat decider compares with `now`); this
 * writes the events that say so, so the read models and counts catch up. A
 * flow left half-done for longer than `staleMs` is assumed orphaned (its
 * process died) and is run again; every step is idempotent, so racing a live
 * flow by accident is harmless.
 */
export class ReservationSweeper {
  private open = new OpenReservations();
  private checkpointedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger = new Logger('ReservationSweeper');

  constructor(
    private readonly store: CachedEventStore,
    private readonly holds: HoldSeatsProcess,
    private readonly payments: PayReservationProcess,
    private readonly refunds: RefundReservationProcess,
    private readonly clock: Clock,
    private readonly checkpoints: Checkpoints,
    private readonly settings: { tickMs: number; staleMs: number },
  ) {}

  /** Where this instance must start following the log so that its index misses no open reservation. */
  async resumeFrom(): Promise<number> {
    const from = await this.checkpoints.load(SWEEPER_CHECKPOINT);
    this.open = new OpenReservations(from);
    return from;
  }

  /** The log, from the position `resumeFrom` gave: it keeps the index current. */
  observe(events: readonly RecordedEvent[]): void {
    this.open.observe(events);
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.settings.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  sweep(): Promise<void> {
    if (!this.running) this.running = this.sweepAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepAll(): Promise<void> {
    const now = this.clock.now();
    const due: OpenReservation[] = [];
    for (const open of this.open.values()) {
      const { phase, paymentInFlight, request } = open.state;
      // Most open reservations are live holds with nothing to do yet: skip them without a promise each.
      if (phase === 'held' && !paymentInFlight && Date.parse(request!.expiresAt) > now.getTime()) continue;
      due.push(open);
    }
    // Settled a slice at a time in parallel, so their appends share group commits
    // instead of waiting for one commit each: a rush expires thousands of holds a second.
    for (let i = 0; i < due.length; i += SETTLE_CONCURRENCY) {
      await Promise.all(
        due.slice(i, i + SETTLE_CONCURRENCY).map(async (open) => {
          try {
            if (await this.settle(open, now)) this.open.settled(open.reservationId);
          } catch (error) {
            this.logger.warn({ err: error, reservationId: open.reservationId }, 'could not settle reservation yet');
          }
        }),
      );
    }
    if (now.getTime() - this.checkpointedAt >= CHECKPOINT_EVERY_MS) {
      await this.checkpoints.save(SWEEPER_CHECKPOINT, this.open.lowWater()).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not save the sweeper low-water mark');
      });
      this.checkpointedAt = now.getTime();
    }
  }

  /** Moves one reservation towards a final state; true once there is nothing left to do. */
  private async settle(open: OpenReservation, now: Date): Promise<boolean> {
    const { reservationId } = open;
    const state = open.state === UNREAD ? await this.read(reservationId) : open.state;
    const request = state.request;
    if (!request) return true;
    const metadata = metadataAt(now, reservationId);
    const stale = now.getTime() - open.updatedAt >= this.settings.staleMs;
    const expired = Date.parse(request.expiresAt) <= now.getTime();
    if (state.paymentInFlight) {
      if (stale) await this.payments.proceed(request, state.paymentInFlight, metadata).catch(() => undefined);
      return false;
    }
    if (state.refundInFlight) {
      // A refund's intent is written: it is finished, whatever step the crash stopped it at.
      if (stale) {
        await this.refunds.proceed(request, state.refundInFlight, state.paidWith!, metadata).catch(() => undefined);
      }
      return false;
    }
    switch (state.phase) {
      case 'paid':
        return true;
      case 'pending':
        if (stale) await this.holds.proceed(request, metadata).catch(() => undefined);
        return false;
      case 'held':
        if (!expired) return false;
        await handleCommand(this.store, reservationStream(reservationId), reservationDecider, {
          type: 'ExpireReservation',
          data: { reservationId },
          metadata,
        });
        return false;
      default: {
        const stillHeld = await this.seatsStillHeld(reservationId, request.seatIds);
        if (stillHeld.length === 0) {
          // An ended reservation whose seats are free no longer counts against its user's limit.
          await returnSeats(this.store, request, metadata);
          return true;
        }
        if (state.phase === 'expired' || stale) {
          await releaseSeats(
            this.store,
            stillHeld,
            reservationId,
            state.phase === 'expired' ? 'expired' : 'cancelled',
            metadata,
          );
        }
        return false;
      }
    }
  }

  private async read(reservationId: string): Promise<ReservationState> {
    const { state } = await this.store.load<ReservationState>(reservationStream(reservationId), reservationDecider);
    this.open.refresh(reservationId, state);
    return state;
  }

  /** The seats whose latest hold is still this reservation's, from their streams (cached, or read). */
  private async seatsStillHeld(reservationId: string, seatIds: readonly string[]): Promise<string[]> {
    const states = await Promise.all(
      seatIds.map(
        async (seatId) =>
          this.store.cached<SeatState>(seatStream(seatId)) ??
          (await this.store.load<SeatState>(seatStream(seatId), seatDecider)),
      ),
    );
    return seatIds.filter((_, i) => states[i].state.hold?.reservationId === reservationId && !states[i].state.soldTo);
  }
}
