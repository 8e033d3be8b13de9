import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  WrongExpectedVersionError,
  type AppendStreamState,
  type Position,
} from '@kurrent/kurrentdb-client';
import { EventMetadata, ExpectedRevision, RecordedEvent, WrongExpectedRevisionError } from '../event-store.port';

/**
 * The port's numbers and KurrentDB's, both ways. A revision is the same
 * 0-based index in both. A position is KurrentDB's commit position (an
 * offset in the server's log, so positions rise but are not dense); since
 * explicit transactions are gone, commit and prepare positions are equal for
 * every event, so the commit position alone orders and names an event.
 * Offsets stay below 2^53 (8 PiB of log), so a JavaScript number holds them.
 */
export const positionOf = (position: Position): number => Number(position.commit);

/** Where a read "after `position`" starts; the event at that position itself is skipped by the caller. */
export const readPositionAfter = (position: number): Position => ({
  commit: BigInt(position),
  prepare: BigInt(position),
});

export function streamStateOf(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** KurrentDB's conflict as the port's, so deciders and the command handler retry it the same way. */
export function conflictOf(error: unknown, streamId: string, expected: ExpectedRevision): unknown {
  if (!(error instanceof WrongExpectedVersionError)) return error;
  const actual = typeof error.actualState === 'bigint' ? Number(error.actualState) : 'no_stream';
  return new WrongExpectedRevisionError(streamId, expected, actual);
}

/**
 * Recorded times are the server's `created`. An import keeps the time an
 * event was first recorded in its metadata under this key (KurrentDB sets
 * `created` itself); reads give it back as recordedAt and drop the key.
 */
export const RECORDED_AT_KEY = '$recordedAt';

export type KurrentRecorded = {
  readonly id: string;
  readonly streamId: string;
  readonly revision: bigint;
  readonly type: string;
  readonly created: Date;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position?: Position;
};

/** A KurrentDB event as the port records it; `streamId` without the store's prefix. */
export function recordedOf(event: KurrentRecorded, streamId: string, position: number): RecordedEvent {
  const { [RECORDED_AT_KEY]: recordedAt, ...metadata } = (isObject(event.metadata) ? event.metadata : {}) as Record<
    string,
    unknown
  >;
  return {
    id: event.id,
    streamId,
    revision: Number(event.revision),
    position,
    type: event.type,
    data: event.data,
    metadata: metadata as EventMetadata,
    recordedAt: typeof recordedAt === 'string' ? new Date(recordedAt) : event.created,
  };
}

const isObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** A server-side filter for exactly these event types (names are matched whole, special characters escaped). */
export function typesRegex(types: readonly string[]): string {
  const escaped = types.map((type) => type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(?:${escaped.join('|')})$`;
}
