import { randomUUID } from 'node:crypto';
import { EventStore, WrongExpectedRevisionError } from '../event-store/event-store.port';
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
 * The one way state changes: read the stream, fold it, decide, append with the
 * expected revision. A version conflict means someone else decided first, so
 * decide again on fresh state, a bounded number of times with jitter.
 *
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
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(streamId);
    const state = recorded.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState());
    const events = decider.decide(command, state);
    if (events.length === 0) return { state, events, position: undefined };
    try {
      const metadata = { correlationId: command.metadata.correlationId, causationId: command.metadata.causationId };
      const result = await store.append(
        streamId,
        events.map((event, i) => ({ id: eventId(event, i), type: event.type, data: event.data, metadata })),
        recorded.length === 0 ? 'no_stream' : recorded[recorded.length - 1].revision,
      );
      return { state: events.reduce(decider.evolve, state), events, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new DomainError('CONCURRENCY_CONFLICT', `${streamId} kept changing; try again`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
