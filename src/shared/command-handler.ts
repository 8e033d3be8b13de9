import { randomUUID } from 'node:crypto';
import { ExpectedRevision, WrongExpectedRevisionError } from '../event-store/event-store.port';
import { CachedEventStore } from '../event-store/state-cache/cached-event-store';
import { StreamState } from '../event-store/state-cache/stream-state-cache';
import { Command, Decider, Event } from './decider';
import { DomainError } from './domain-error';

export type Handled<State, E> = {
  readonly state: State;
  readonly events: readonly E[];
  /** Global position of the last event written, or undefined when nothing was written. */
  readonly position: number | undefined;
};

const MAX_ATTEMPTS = 5;

/**
 * The one way state changes: load the stream's state, decide, append with the
 * expected revision. A version conflict means someone else decided first, so
 * decide again on fresh state, a bounded number of times with jitter.
 *
 * The first attempt decides on the cached state when there is one; the
 * expected revision keeps that safe, and a conflict falls back to reading.
 * `eventId` lets a caller derive event ids (for example from an
 * Idempotency-Key) so that a retried command cannot be written twice.
 */
export async function handleCommand<State, C extends Command, E extends Event>(
  store: CachedEventStore,
  streamId: string,
  decider: Decider<State, C, E>,
  command: C,
  eventId: (event: E, index: number) => string = () => randomUUID(),
): Promise<Handled<State, E>> {
  let cached: StreamState<State> | undefined = store.cached<State>(streamId);
  for (let conflicts = 0; ; cached = undefined) {
    const { state, revision } = cached ?? (await store.load<State>(streamId, decider));
    const expected: ExpectedRevision = revision < 0 ? 'no_stream' : revision;
    // Only a decision that writes is checked by the store, so a no-op or a
    // refusal made on cached state is made again on the stream itself.
    let events: readonly E[];
    try {
      events = decider.decide(command, state);
    } catch (error) {
      if (cached) continue;
      throw error;
    }
    if (events.length === 0) {
      if (cached) continue;
      return { state, events, position: undefined };
    }
    try {
      const metadata = { correlationId: command.metadata.correlationId, causationId: command.metadata.causationId };
      const result = await store.append(
        streamId,
        events.map((event, i) => ({ id: eventId(event, i), type: event.type, data: event.data, metadata })),
        expected,
      );
      const next = events.reduce(decider.evolve, state);
      store.remember(streamId, next, result.nextRevision);
      return { state: next, events, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      conflicts += 1;
      if (conflicts >= MAX_ATTEMPTS) {
        store.forget(streamId);
        throw new DomainError('CONCURRENCY_CONFLICT', `${streamId} kept changing; try again`);
      }
      // A conflict on cached state is just a stale guess; only real races back off.
      if (!cached) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * conflicts));
    }
  }
}
