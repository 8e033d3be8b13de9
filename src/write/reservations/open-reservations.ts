import type { RecordedEvent } from '../../event-store/event-store.port';
import { ReservationEvent, ReservationState, reservationDecider } from './reservation.decider';

export type OpenReservation = {
  readonly reservationId: string;
  readonly state: ReservationState;
  /** When its last event was recorded (epoch ms): a flow silent for long is presumed orphaned. */
  readonly updatedAt: number;
  /**
   * The position this index had applied before the first of its events: a
   * restart that reads on from there sees all of them. A position the store
   * gave out (or the index's start), not one before it by arithmetic, which
   * KurrentDB would refuse.
   */
  readonly after: number;
};

const RESERVATION = 'Reservation-';
const evolve = (state: ReservationState, event: RecordedEvent) =>
  reservationDecider.evolve(state, event as unknown as ReservationEvent);

/**
 * The sweeper's write-side index: every reservation not yet known to be
 * settled, folded from the log with the reservation decider itself, so it is
 * exactly the state the commands decide on. It holds only open reservations
 * (a settled one is dropped), so its size follows the live holds, not the
 * history.
 */
export class OpenReservations {
  private readonly open = new Map<string, OpenReservation>();
  /** The last log position observed. */
  private cursor: number;

  /** Where the index started following the log. */
  private readonly start: number;

  constructor(cursor = 0) {
    this.cursor = cursor;
    this.start = cursor;
  }

  get size(): number {
    return this.open.size;
  }

  observe(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      const before = this.cursor;
      if (event.position > this.cursor) this.cursor = event.position;
      if (!event.streamId.startsWith(RESERVATION)) continue;
      const reservationId = event.streamId.slice(RESERVATION.length);
      const known = this.open.get(reservationId);
      // A reservation first seen in the middle of its life (the index started after its request) is
      // read from its stream when the sweeper reaches it.
      const state = !known
        ? event.type === 'ReservationRequested'
          ? evolve(reservationDecider.initialState(), event)
          : UNREAD
        : known.state === UNREAD
          ? UNREAD
          : evolve(known.state, event);
      // An old event delivered late has no predecessor this index knows: fall back to before it.
      const after = known?.after ?? (event.position > before ? before : Math.min(this.start, event.position - 1));
      this.open.set(reservationId, { reservationId, state, updatedAt: event.recordedAt.getTime(), after });
    }
  }

  /** Replaces a reservation's folded state with one read from its stream. */
  refresh(reservationId: string, state: ReservationState): void {
    const known = this.open.get(reservationId);
    if (known) this.open.set(reservationId, { ...known, state });
  }

  settled(reservationId: string): void {
    this.open.delete(reservationId);
  }

  /**
   * The position a restarted index can follow the log from and miss nothing:
   * every reservation still open has an event after it.
   */
  lowWater(): number {
    let low = this.cursor;
    for (const open of this.open.values()) if (open.after < low) low = open.after;
    return low;
  }

  values(): IterableIterator<OpenReservation> {
    return this.open.values();
  }
}

/**
 * Marks a reservation whose start this index did not see: its state must be
 * read from the stream. A state of its own (compared by identity), shaped as
 * the decider's initial one so nothing reads a field it lacks.
 */
export const UNREAD: ReservationState = Object.freeze(reservationDecider.initialState());
