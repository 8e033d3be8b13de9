import { randomUUID } from 'node:crypto';
import { EventStore, ExpectedRevision, WrongExpectedRevisionError } from '../event-store/event-store.port';
import { Command, Decider, Event, fold } from './decider';
import { DomainError } from './domain-error';
import { stateCacheOf } from './stream-state-cache';

export type Handled<State, E> = {
  readonly state: State;
  readonly events: readonly E[];
  /** Global position of the last event written, or undefined when nothing was written. */
  readonly position: number | undefined;
};

const MAX_ATTEMPTS = 5;

/**
 * The one way state changes: read the stream, fold it, decide, append with the
 * expected revision. A version conflict means someone else decided first, so
 * decide again on fresh state, a bounded number of times with jitter.
 *
 * When the store has a StreamStateCache the read is skipped on a hit; the
 * expected revision keeps that safe, and a conflict falls back to reading.
 * `eventId` lets a caller derive event ids (for example from an
 * Idempotency-Key) so that a retried command cannot be written twice.
 */
export async function handleCommand<State, C extends Command, E extends Event>(
  store: EventStore,
  streamId: string,
  decider: Decider<State, C, E>,
  command: C,
  eventId: (event: E, index: number) => string = () => randomUUID(),
): Promise<Handled<State, E>> {
  const cache = stateCacheOf(store);
  let trustCache = true;
  for (let conflicts = 0; ;) {
    const cached = trustCache ? cache?.get(streamId) : undefined;
    trustCache = false;
    let state: State;
    let expected: ExpectedRevision;
    if (cached) {
      state = cached.state as State;
      expected = cached.revision < 0 ? 'no_stream' : cached.revision;
    } else {
      const recorded = await store.readStream(streamId);
      state = fold(decider, recorded);
      expected = recorded.length === 0 ? 'no_stream' : recorded[recorded.length - 1].revision;
      if (recorded.length > 0) cache?.set(streamId, state, expected as number);
    }
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
      cache?.set(streamId, next, result.nextRevision);
      return { state: next, events, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      cache?.evict(streamId);
      conflicts += 1;
      if (conflicts >= MAX_ATTEMPTS) {
        throw new DomainError('CONCURRENCY_CONFLICT', `${streamId} kept changing; try again`);
      }
      // A conflict on cached state is just a stale guess; only real races back off.
      if (!cached) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * conflicts));
    }
  }
}
