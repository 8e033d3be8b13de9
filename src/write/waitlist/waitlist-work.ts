import type { RecordedEvent } from '../../event-store/event-store.port';
import type { ReleaseReason, SeatReleased } from '../reservations/seat.decider';
import type { WaitlistJoined } from './waitlist-entry.decider';
import type {
  OfferOutcome,
  WaitlistEnrolled,
  WaitlistEntryRef,
  WaitlistOfferEnded,
  WaitlistOffered,
} from './waitlist-offers.decider';

/** The event types the waitlist process follows. */
export const WAITLIST_WORK_EVENTS = [
  'WaitlistJoined',
  'WaitlistEnrolled',
  'WaitlistOffered',
  'WaitlistOfferEnded',
  'SeatReleased',
  'ReservationRejected',
  'ReservationCancelled',
  'ReservationExpired',
  'ReservationPaid',
] as const;

const OUTCOMES: Readonly<Record<string, OfferOutcome>> = {
  ReservationRejected: 'unavailable',
  ReservationCancelled: 'cancelled',
  ReservationExpired: 'expired',
  ReservationPaid: 'paid',
};

/** `after`: the position applied before it, where a new leader reads on from (never `position - 1`: KurrentDB refuses made-up positions). */
export type Release = { seatId: string; after: number; releasedAt: number };
export type LiveOffer = {
  scheduleId: string;
  reservationId: string;
  /** The position applied before the offer (see Release). */
  after: number;
  /** How the offered hold ended, once the log says. */
  outcome: OfferOutcome | undefined;
  /** Whether this leader knows the offer's hold was started (a new leader checks every offer once). */
  started: boolean;
};

/** A seat's id is `{scheduleId}.{seatNo}`. */
export const scheduleOfSeat = (seatId: string) => seatId.slice(0, seatId.lastIndexOf('.'));

/**
 * The waitlist leader's write-side index, fed from a filtered read of the
 * log: joins not yet enrolled in their schedule's ledger, seats freed and not
 * yet offered, and the offers still open with how their holds ended. It can be
 * rebuilt from its low-water mark, before which every join is enrolled, every
 * freed seat looked at and every offer closed.
 */
export class WaitlistWork {
  readonly joins = new Map<string, Map<string, WaitlistEntryRef>>();
  readonly releases = new Map<string, Map<string, Release>>();
  readonly offers = new Map<string, LiveOffer>();
  /** Per join not yet enrolled, the position applied before it (see Release). */
  private readonly joinedAfter = new Map<string, number>();

  constructor(
    /** The last log position applied. */
    public cursor: number,
  ) {}

  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.position <= this.cursor) continue;
      const before = this.cursor;
      this.cursor = event.position;
      switch (event.type) {
        case 'WaitlistJoined': {
          const { entryId, scheduleId, userId, concertId, queueEntryId } = event.data as WaitlistJoined['data'];
          const joins = this.joins.get(scheduleId) ?? new Map<string, WaitlistEntryRef>();
          joins.set(entryId, { entryId, userId, concertId, queueEntryId, joinedPosition: event.position });
          this.joinedAfter.set(entryId, before);
          this.joins.set(scheduleId, joins);
          break;
        }
        case 'WaitlistEnrolled': {
          const { scheduleId, entries } = event.data as WaitlistEnrolled['data'];
          this.enrolled(scheduleId, entries);
          break;
        }
        case 'WaitlistOffered': {
          const { scheduleId, reservationId } = event.data as WaitlistOffered['data'];
          if (!this.offers.has(reservationId)) {
            this.offers.set(reservationId, {
              scheduleId,
              reservationId,
              after: before,
              outcome: undefined,
              started: false,
            });
          }
          break;
        }
        case 'WaitlistOfferEnded':
          this.offers.delete((event.data as WaitlistOfferEnded['data']).reservationId);
          break;
        case 'SeatReleased': {
          const { seatId } = event.data as SeatReleased['data'] & { reason: ReleaseReason };
          const scheduleId = scheduleOfSeat(seatId);
          const releases = this.releases.get(scheduleId) ?? new Map<string, Release>();
          releases.set(seatId, { seatId, after: before, releasedAt: event.recordedAt.getTime() });
          this.releases.set(scheduleId, releases);
          break;
        }
        default: {
          const offer = this.offers.get((event.data as { reservationId: string }).reservationId);
          if (offer && OUTCOMES[event.type]) offer.outcome ??= OUTCOMES[event.type];
        }
      }
    }
  }

  enrolled(scheduleId: string, entries: readonly WaitlistEntryRef[]): void {
    const joins = this.joins.get(scheduleId);
    for (const entry of entries) {
      joins?.delete(entry.entryId);
      this.joinedAfter.delete(entry.entryId);
    }
    if (joins?.size === 0) this.joins.delete(scheduleId);
  }

  /** A freed seat that needs no more looking at: offered, taken by someone, or too old to wait for a join. */
  settled(scheduleId: string, seatId: string): void {
    const releases = this.releases.get(scheduleId);
    releases?.delete(seatId);
    if (releases?.size === 0) this.releases.delete(scheduleId);
  }

  /** The position before which nothing is left to do. */
  lowWater(): number {
    let low = this.cursor;
    for (const after of this.joinedAfter.values()) low = Math.min(low, after);
    for (const releases of this.releases.values()) for (const r of releases.values()) low = Math.min(low, r.after);
    for (const offer of this.offers.values()) low = Math.min(low, offer.after);
    return low;
  }
}
