import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { SeatState, seatDecider, seatStream } from '../reservations/seat.decider';
import { seatIsFree } from './waitlist-offers.decider';

const READS_AT_ONCE = 32;

/**
 * Whether any seat of the list is free at `now`, from the seats' streams. The
 * cached states answer first without I/O (a seat they call free is read again
 * before it counts); only seats this instance has no state for are read, a
 * slice at a time, stopping at the first free one.
 */
export async function anySeatFree(store: CachedEventStore, seatIds: readonly string[], now: number): Promise<boolean> {
  const unknown: string[] = [];
  for (const seatId of seatIds) {
    const cached = store.cached<SeatState>(seatStream(seatId));
    if (!cached) unknown.push(seatId);
    else if (seatIsFree(cached.state, now) && (await isFree(store, seatId, now))) return true;
  }
  for (let i = 0; i < unknown.length; i += READS_AT_ONCE) {
    const free = await Promise.all(unknown.slice(i, i + READS_AT_ONCE).map((id) => isFree(store, id, now)));
    if (free.includes(true)) return true;
  }
  return false;
}

async function isFree(store: CachedEventStore, seatId: string, now: number): Promise<boolean> {
  return seatIsFree((await store.load<SeatState>(seatStream(seatId), seatDecider)).state, now);
}
