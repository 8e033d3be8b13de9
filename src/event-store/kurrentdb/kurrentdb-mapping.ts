import { createHash } from 'node:crypto';
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

/**
 * KurrentDB takes only UUIDs as event ids, and the port takes any string
 * (some handlers derive theirs, e.g. `{concertId}:created`). Such an id is
 * sent as a name-based UUID (SHA-1, version 5 layout) of itself, so a retry
 * still deduplicates on the server, and is kept in the metadata under this
 * key so reads give back the port's id. Lower-case UUIDs go as they are.
 */
export const EVENT_ID_KEY = '$eventId';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The id and metadata an event is sent to KurrentDB with. */
export function kurrentIdentity(id: string, metadata: EventMetadata): { id: string; metadata: EventMetadata } {
  if (CANONICAL_UUID.test(id)) return { id, metadata };
  const hash = createHash('sha1').update('rush-tickets event id\n').update(id).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id: uuid, metadata: { ...metadata, [EVENT_ID_KEY]: id } };
}

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
  const {
    [RECORDED_AT_KEY]: recordedAt,
    [EVENT_ID_KEY]: portId,
    ...metadata
  } = (isObject(event.metadata) ? event.metadata : {}) as Record<string, unknown>;
  return {
    id: typeof portId === 'string' ? portId : event.id,
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
