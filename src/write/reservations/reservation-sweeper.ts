import { Logger } from '@nestjs/common';
import { RecordedEvent } from '../../event-store/event-store.port';
import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { ReservationDoc } from '../../projections/reservations.projection';
import { ReadModels } from '../../read/read-models';
import { Clock } from '../../shared/clock';
import { handleCommand } from '../../shared/command-handler';
import { metadataAt } from '../../shared/metadata';
import { PayReservationProcess } from '../payments/pay-reservation.process';
import { HoldSeatsProcess, releaseSeats } from './hold-seats.process';
import { reservationDecider, reservationStream } from './reservation.decider';

const SETTLE_CONCURRENCY = 100;

/**
 * Finishes what a crash interrupted and tidies what time decided. Holds past
 * their TTL already block nobody (the seat decider compares with `now`); this
 * writes the events that say so, so the read models and counts catch up. A
 * flow left half-done for longer than `staleMs` is assumed orphaned (its
 * process died) and is run again; every step is idempotent, so racing a live
 * flow by accident is harmless.
 */
export class ReservationSweeper {
  private readonly open = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger = new Logger('ReservationSweeper');

  constructor(
    private readonly store: CachedEventStore,
    private readonly readModels: ReadModels,
    private readonly holds: HoldSeatsProcess,
    private readonly payments: PayReservationProcess,
    private readonly clock: Clock,
    private readonly settings: { tickMs: number; staleMs: number },
  ) {
    readModels.runner.onApplied((events) => this.track(events));
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

  private track(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.streamId.startsWith('Reservation-'))
        this.open.add((event.data as { reservationId: string }).reservationId);
    }
  }

  private async sweepAll(): Promise<void> {
    const now = this.clock.now();
    const due: ReservationDoc[] = [];
    for (const reservationId of this.open) {
      const doc = this.readModels.reservation(reservationId);
      if (!doc) continue;
      // Most open reservations are live holds with nothing to do yet: skip them without a promise each.
      if (doc.phase === 'held' && !doc.paymentInFlight && Date.parse(doc.expiresAt) > now.getTime()) continue;
      due.push(doc);
    }
    // Settled a slice at a time in parallel, so their appends share group commits
    // instead of waiting for one commit each: a rush expires thousands of holds a second.
    for (let i = 0; i < due.length; i += SETTLE_CONCURRENCY) {
      await Promise.all(
        due.slice(i, i + SETTLE_CONCURRENCY).map(async (doc) => {
          try {
            if (await this.settle(doc, now)) this.open.delete(doc.reservationId);
          } catch (error) {
            this.logger.warn({ err: error, reservationId: doc.reservationId }, 'could not settle reservation yet');
          }
        }),
      );
    }
  }

  /** Moves one reservation towards a final state; true once there is nothing left to do. */
  private async settle(doc: ReservationDoc, now: Date): Promise<boolean> {
    const metadata = metadataAt(now, doc.reservationId);
    const stale = now.getTime() - doc.updatedAt >= this.settings.staleMs;
    const expired = Date.parse(doc.expiresAt) <= now.getTime();
    if (doc.paymentInFlight) {
      if (stale) await this.payments.proceed(doc, doc.paymentInFlight, metadata).catch(() => undefined);
      return false;
    }
    switch (doc.phase) {
      case 'paid':
        return true;
      case 'pending':
        if (stale) await this.holds.proceed(doc, metadata).catch(() => undefined);
        return false;
      case 'held':
        if (!expired) return false;
        await handleCommand(this.store, reservationStream(doc.reservationId), reservationDecider, {
          type: 'ExpireReservation',
          data: { reservationId: doc.reservationId },
          metadata,
        });
        return false;
      default: {
        const schedule = this.readModels.schedule(doc.scheduleId);
        const stillHeld = doc.seatIds.filter((id) => schedule?.seats.get(id)?.holder === doc.reservationId);
        if (stillHeld.length === 0) return true;
        if (doc.phase === 'expired' || stale) {
          await releaseSeats(
            this.store,
            stillHeld,
            doc.reservationId,
            doc.phase === 'expired' ? 'expired' : 'cancelled',
            metadata,
          );
        }
        return false;
      }
    }
  }
}
