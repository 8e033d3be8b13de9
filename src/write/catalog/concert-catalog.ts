import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { ConcertState, concertDecider, concertStream } from './concert.decider';

export type ScheduleCatalog = { readonly scheduleId: string; readonly prices: ReadonlyMap<string, number> };

// A concert's schedules never change once created, so its seat index is built once per state.
const schedulesByConcert = new WeakMap<ConcertState, ReadonlyMap<string, ScheduleCatalog>>();

/**
 * The concert's state, from the cache when there, else read from its stream.
 * Only its opening time changes after creation, and the log keeps the cached
 * state current; the admission leader reads the stream before opening.
 */
export async function concertState(store: CachedEventStore, concertId: string): Promise<ConcertState> {
  const stream = concertStream(concertId);
  const cached = store.cached<ConcertState>(stream);
  if (cached?.state.created) return cached.state;
  return (await store.load<ConcertState>(stream, concertDecider)).state;
}

/** A schedule of the concert with its seats' prices, or undefined when the concert has no such schedule. */
export async function scheduleOf(
  store: CachedEventStore,
  concertId: string,
  scheduleId: string,
): Promise<ScheduleCatalog | undefined> {
  const state = await concertState(store, concertId);
  if (!state.created) return undefined;
  let schedules = schedulesByConcert.get(state);
  if (!schedules) {
    schedules = new Map(
      state.created.schedules.map((s) => [
        s.scheduleId,
        { scheduleId: s.scheduleId, prices: new Map(s.seats.map((seat) => [seat.seatId, seat.price])) },
      ]),
    );
    schedulesByConcert.set(state, schedules);
  }
  return schedules.get(scheduleId);
}
