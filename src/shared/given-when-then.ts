import type { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { InMemoryDocumentStore } from '../projections/document-store';
import type { Document, Projection } from '../projections/projection';
import { ProjectionRunner } from '../projections/projection-runner';
import { Command, CommandMetadata, Decider, Event } from './decider';
import { DomainError, ErrorCode } from './domain-error';

/**
 * Test support. Deciders: Given (past events) / When (a command at a time) /
 * Then (new events or a refusal). Projections: a hand-built global log, the
 * ways of delivering it again, and a plain snapshot of a read model.
 * Framework-free so that the build, which has no Jest types, still compiles
 * it; specs assert on what these return.
 */
export type Outcome<E> =
  | { readonly events: readonly E[] }
  | { readonly refused: ErrorCode; readonly extra: Readonly<Record<string, unknown>> };

export const fold = <S, C extends Command, E extends Event>(decider: Decider<S, C, E>, history: readonly E[]): S =>
  history.reduce(decider.evolve, decider.initialState());

export function given<S, C extends Command, E extends Event>(decider: Decider<S, C, E>, history: readonly E[] = []) {
  return {
    when(command: C): Outcome<E> {
      const state = fold(decider, history);
      try {
        return { events: decider.decide(command, state) };
      } catch (error) {
        if (error instanceof DomainError) return { refused: error.code, extra: error.extra };
        throw error;
      }
    },
  };
}

/** Expected outcome: exactly these new events (none means a no-op). */
export const decided = <E>(...events: E[]): Outcome<E> => ({ events });

/** Expected outcome, for `toMatchObject`: a refusal with this code (and these extra members, if given). */
export const refused = (code: ErrorCode, extra?: Record<string, unknown>) =>
  extra ? { refused: code, extra } : { refused: code };

/** Command metadata at a point in time; deciders read the time only from here. */
export const at = (now: number | string | Date): CommandMetadata => ({
  now: new Date(now),
  correlationId: 'test-correlation',
});

/** A fixed instant tests count from, and a way to name instants relative to it. */
export const T0 = Date.parse('2030-01-01T10:00:00.000Z');
export const iso = (ms: number) => new Date(ms).toISOString();
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;

/** A small seeded PRNG (mulberry32): a failing property run replays from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Records `[streamId, event]` pairs as the event store would: global positions
 * dense from 1, revisions counted per stream, one second apart from T0.
 */
export function recorded(...entries: (readonly [streamId: string, event: Event])[]): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return entries.map(([streamId, event], index) => {
    const revision = revisions.get(streamId) ?? 0;
    revisions.set(streamId, revision + 1);
    const position = index + 1;
    return {
      id: `event-${position}`,
      streamId,
      revision,
      position,
      type: event.type,
      data: event.data,
      metadata: { correlationId: 'test-correlation' },
      recordedAt: new Date(T0 + position * SECOND),
    };
  });
}

/**
 * Records events one at a time, as the event store would append them to a
 * log: positions dense from 1 in call order, stamped with the time of the
 * call unless given one. For indexes that follow the log across many streams.
 */
export function logWriter() {
  let position = 0;
  return (type: string, streamId: string, data: object, recordedAt = new Date()): RecordedEvent => {
    position += 1;
    return { id: `event-${position}`, streamId, revision: 0, position, type, data, metadata: {}, recordedAt };
  };
}

/**
 * Feeds batches to one projection through a fresh ProjectionRunner, as its
 * subscription would, and returns the read models. The runner's event store
 * is never touched by `applyBatch`.
 */
export function project<Doc extends Document>(
  projection: Projection<Doc>,
  batches: readonly (readonly RecordedEvent[])[],
) {
  const documents = new InMemoryDocumentStore();
  const runner = new ProjectionRunner({} as EventStore, documents, [projection as unknown as Projection<Document>]);
  for (const batch of batches) runner.applyBatch(batch);
  return { documents, runner, collection: documents.collection<Doc>(projection.name) };
}

/** Ways of delivering the same log, as batches, that must all give the read model of one delivery. */
export const redeliveries = (
  events: readonly RecordedEvent[],
): Record<string, readonly (readonly RecordedEvent[])[]> => ({
  'each event twice': events.flatMap((event) => [[event], [event]]),
  'the whole log twice': [events, events],
  'the whole log, then replayed from the start one by one': [events, ...events.map((event) => [event])],
  'every prefix of the log, each from the start': events.map((_, i) => events.slice(0, i + 1)),
});

/** A deep, JSON-able copy of a read model: Maps become entry lists (order kept), Dates ISO strings. */
export function plain(value: unknown): unknown {
  if (value instanceof Map) return [...value].map(([key, item]) => [key, plain(item)]);
  if (value instanceof Set) return [...value].map(plain);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  }
  return value;
}
