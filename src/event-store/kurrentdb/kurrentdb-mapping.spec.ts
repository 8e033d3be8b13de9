import { ANY, NO_STREAM, STREAM_EXISTS, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { WrongExpectedRevisionError } from '../event-store.port';
import {
  EVENT_ID_KEY,
  RECORDED_AT_KEY,
  kurrentIdentity,
  conflictOf,
  positionOf,
  readPositionAfter,
  recordedOf,
  streamStateOf,
  typesRegex,
} from './kurrentdb-mapping';

const kurrentEvent = (metadata: unknown) => ({
  id: 'e1',
  streamId: 'pre.Seat-s1.1',
  revision: 7n,
  type: 'SeatHeld',
  created: new Date('2026-12-07T10:00:00Z'),
  data: { seatId: 's1.1' },
  metadata,
});

describe('KurrentDB mapping', () => {
  it('takes the commit position as the port position, and reads on from the same point', () => {
    expect(positionOf({ commit: 123_456_789_012n, prepare: 123_456_789_012n })).toBe(123_456_789_012);
    expect(readPositionAfter(42)).toEqual({ commit: 42n, prepare: 42n });
    // The largest offset a JavaScript number holds exactly survives the round trip.
    const max = Number.MAX_SAFE_INTEGER;
    expect(positionOf(readPositionAfter(max))).toBe(max);
  });

  it('maps every expected revision of the port onto a stream state', () => {
    expect(streamStateOf('any')).toBe(ANY);
    expect(streamStateOf('no_stream')).toBe(NO_STREAM);
    expect(streamStateOf('stream_exists')).toBe(STREAM_EXISTS);
    expect(streamStateOf(0)).toBe(0n);
    expect(streamStateOf(41)).toBe(41n);
  });

  it("turns the server's conflict into the port's, with the stream's actual revision", () => {
    const atRevision = new WrongExpectedVersionError(undefined, { streamName: 'x', expected: 3n, current: 5n });
    const mapped = conflictOf(atRevision, 'Seat-s1.1', 3);
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ streamId: 'Seat-s1.1', expected: 3, actual: 5 });
    const missing = new WrongExpectedVersionError(undefined, { streamName: 'x', expected: 0n, current: NO_STREAM });
    expect(conflictOf(missing, 'Seat-s1.1', 0)).toMatchObject({ actual: 'no_stream' });
    const other = new Error('unavailable');
    expect(conflictOf(other, 'Seat-s1.1', 0)).toBe(other);
  });

  it('records an event with its revision as a number, and an imported time instead of the server one', () => {
    const live = recordedOf(kurrentEvent({ schemaVersion: 1 }), 'Seat-s1.1', 900);
    expect(live).toEqual({
      id: 'e1',
      streamId: 'Seat-s1.1',
      revision: 7,
      position: 900,
      type: 'SeatHeld',
      data: { seatId: 's1.1' },
      metadata: { schemaVersion: 1 },
      recordedAt: new Date('2026-12-07T10:00:00Z'),
    });
    const imported = recordedOf(
      kurrentEvent({ schemaVersion: 1, [RECORDED_AT_KEY]: '2026-01-01T00:00:03.000Z' }),
      'Seat-s1.1',
      900,
    );
    expect(imported.recordedAt).toEqual(new Date('2026-01-01T00:00:03.000Z'));
    expect(imported.metadata).toEqual({ schemaVersion: 1 });
    expect(recordedOf(kurrentEvent(undefined), 'Seat-s1.1', 900).metadata).toEqual({});
  });

  it('sends a UUID id as it is, and any other id as a UUID of its own, kept in the metadata for reads', () => {
    const uuid = '0b5e8f8e-9c1a-4f0e-8d3b-2f6a1c9e7d10';
    expect(kurrentIdentity(uuid, { schemaVersion: 1 })).toEqual({ id: uuid, metadata: { schemaVersion: 1 } });
    const derived = kurrentIdentity('c-1:created', { schemaVersion: 1 });
    expect(derived.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derived.metadata).toEqual({ schemaVersion: 1, [EVENT_ID_KEY]: 'c-1:created' });
    // A retry sends the same UUID, so the server deduplicates it; another id gets another.
    expect(kurrentIdentity('c-1:created', {}).id).toBe(derived.id);
    expect(kurrentIdentity('c-2:created', {}).id).not.toBe(derived.id);
    expect(kurrentIdentity(uuid.toUpperCase(), {}).metadata).toEqual({ [EVENT_ID_KEY]: uuid.toUpperCase() });
    const read = recordedOf({ ...kurrentEvent(derived.metadata), id: derived.id }, 'Concert-c-1', 900);
    expect(read.id).toBe('c-1:created');
    expect(read.metadata).toEqual({ schemaVersion: 1 });
  });

  it('filters event types by whole name, with special characters taken literally', () => {
    const regex = new RegExp(typesRegex(['QueueJoined', 'Seat.Held', 'A+B']));
    expect(['QueueJoined', 'Seat.Held', 'A+B'].every((t) => regex.test(t))).toBe(true);
    expect(['QueueJoinedLate', 'XQueueJoined', 'SeatxHeld', 'AAB', '$metadata'].some((t) => regex.test(t))).toBe(false);
  });
});
