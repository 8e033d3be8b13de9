import type { LogFilter, RecordedEvent } from '../../event-store/event-store.port';
import type { Checkpoints } from '../../shared/checkpoints';
import { logWriter } from '../../shared/given-when-then';
import { preQueueOrder } from '../../shared/pre-queue-order';
import { QueuePlaces } from './queue-places';

let at = logWriter();
const joined = (concertId: string, userId: string) =>
  at('QueueJoined', `QueueEntry-${concertId}.${userId}`, { entryId: `e-${userId}`, concertId, userId });
const admitted = (concertId: string, joins: RecordedEvent[]) =>
  at('QueueAdmitted', `QueueAdmission-${concertId}`, {
    concertId,
    entries: joins.map((e) => ({ entryId: 'x', userId: 'x', joinedPosition: e.position })),
    activeUntil: new Date(Date.now() + 60_000).toISOString(),
  });
const other = () => at('SeatHeld', 'Seat-1', {});

/** A log as the port serves it: positions ascending, filtered by type, a page at a time. */
function logOf(events: RecordedEvent[]) {
  const reads: number[] = [];
  return {
    reads,
    readAll: async (after: number, limit: number, filter?: LogFilter) => {
      reads.push(after);
      return events
        .filter((e) => e.position > after && (!filter?.types || filter.types.includes(e.type)))
        .slice(0, limit);
    },
  };
}
const checkpoints = (saved = 0): Checkpoints => ({ load: async () => saved, save: async () => undefined });

describe('QueuePlaces', () => {
  beforeEach(() => (at = logWriter()));

  it('counts the joins after the last admitted one, per concert', async () => {
    const a = [joined('c1', 'u1'), joined('c1', 'u2'), other(), joined('c2', 'v1'), joined('c1', 'u3')];
    const log = [...a, admitted('c1', [a[0]]), joined('c1', 'u4')];
    const places = new QueuePlaces(logOf(log), checkpoints());
    const now = Date.now();
    expect(await places.placeOf('c1', a[0].position, 0, now)).toEqual({ admitted: true });
    expect(await places.placeOf('c1', a[1].position, 0, now)).toMatchObject({ admitted: false, position: 1 });
    expect(await places.placeOf('c1', a[4].position, 0, now)).toMatchObject({ position: 2, admittedLastMinute: 1 });
    expect(await places.placeOf('c1', log[6].position, 0, now)).toMatchObject({ position: 3 });
    expect(await places.placeOf('c2', a[3].position, 0, now)).toMatchObject({ position: 1, admittedLastMinute: 0 });
  });

  it('takes admissions older than its start from the ledger the caller passes', async () => {
    const log = [joined('c1', 'u1'), joined('c1', 'u2'), joined('c1', 'u3')];
    const places = new QueuePlaces(logOf(log), checkpoints(0));
    expect(await places.placeOf('c1', 3, 2, Date.now())).toMatchObject({ admitted: false, position: 1 });
    expect(await places.placeOf('c1', 2, 2, Date.now())).toEqual({ admitted: true });
  });

  it('starts from the admission low-water mark, not the start of the log', async () => {
    const log = [joined('c1', 'u1'), joined('c1', 'u2'), joined('c1', 'u3')];
    const store = logOf(log);
    const places = new QueuePlaces(store, checkpoints(1));
    expect(await places.placeOf('c1', 3, 1, Date.now())).toMatchObject({ position: 2 });
    expect(store.reads[0]).toBe(1);
  });

  it('reads the log again for a join written after its last read, and once for many callers', async () => {
    const log: RecordedEvent[] = [];
    const store = logOf(log);
    const places = new QueuePlaces(store, checkpoints());
    log.push(joined('c1', 'u1'));
    expect(await places.placeOf('c1', 1, 0, Date.now())).toMatchObject({ position: 1 });
    const joins = Array.from({ length: 50 }, (_, i) => joined('c1', `w${i}`));
    log.push(...joins);
    const before = store.reads.length;
    const answers = await Promise.all(joins.map((j) => places.placeOf('c1', j.position, 0, Date.now())));
    expect(answers.map((a) => ('position' in a ? a.position : 0))).toEqual(joins.map((_, i) => i + 2));
    expect(store.reads.length - before).toBeLessThanOrEqual(2);
  });

  it('keeps its place arithmetic right across growth and admissions of a long line', async () => {
    const joins = Array.from({ length: 5_000 }, (_, i) => joined('c1', `u${i}`));
    const log = [...joins, admitted('c1', joins.slice(0, 3_000))];
    const places = new QueuePlaces(logOf(log), checkpoints());
    expect(await places.placeOf('c1', joins[3_000].position, 0, Date.now())).toMatchObject({ position: 1 });
    expect(await places.placeOf('c1', joins[4_999].position, 0, Date.now())).toMatchObject({ position: 2_000 });
  });

  it('gives a scheduled concert no place before its opening, then the shuffled one', async () => {
    const pre = ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => joined('c3', u));
    const opened = at('QueueOpened', 'QueueAdmission-c3', { concertId: 'c3', seed: 31_337, openedAt: '' });
    const late = joined('c3', 'late');
    const log = [...pre];
    const places = new QueuePlaces(logOf(log), checkpoints());
    const now = Date.now();
    expect(await places.placeOf('c3', pre[2].position, 0, now, 'ahead')).toEqual({ admitted: false, preQueue: true });
    log.push(opened, late);
    const order = preQueueOrder(pre.length, 31_337);
    // The ledger has the opening; this index has read only up to the joins.
    const positions = await Promise.all(pre.map((j) => places.placeOf('c3', j.position, 0, now, 'opened')));
    expect(positions.map((p) => ('position' in p ? p.position : 0))).toEqual(
      pre.map((_, joinIndex) => order.indexOf(joinIndex) + 1),
    );
    expect(await places.placeOf('c3', late.position, 0, now, 'ahead')).toMatchObject({ position: 6 });
  });
});
