import { MINUTE, T0, iso, plain, project, recorded, redeliveries } from '../shared/given-when-then';
import type { Event } from '../shared/decider';
import type { QueueAdmitted } from '../write/queue/admission.decider';
import type { QueueCompleted, QueueJoined } from '../write/queue/queue-entry.decider';
import { QueueDoc, queueEntryStatus, queuesProjection } from './queue.projection';

const ACTIVE_UNTIL = T0 + 10 * MINUTE;

const join = (n: number, concertId = 'c1', entryId = `e${n}`): [string, QueueJoined] => [
  `QueueEntry-${concertId}.u${n}`,
  { type: 'QueueJoined', data: { entryId, concertId, userId: `u${n}` } },
];
/** Admits entries by number; their joinedPosition is read off `positions` (entry number → log position). */
const admit = (ns: number[], positions: Map<number, number>, until = ACTIVE_UNTIL): [string, QueueAdmitted] => [
  'QueueAdmission-c1',
  {
    type: 'QueueAdmitted',
    data: {
      concertId: 'c1',
      entries: ns.map((n) => ({ entryId: `e${n}`, userId: `u${n}`, joinedPosition: positions.get(n)! })),
      activeUntil: iso(until),
    },
  },
];
const complete = (n: number, entryId = `e${n}`): [string, QueueCompleted] => [
  `QueueEntry-c1.u${n}`,
  { type: 'QueueCompleted', data: { entryId, reservationId: `r${n}` } },
];

/** e1..e3 join, e1 and e2 are admitted, e4 and e5 join, e1 completes; c2 has a queue of its own. */
const LOG = recorded(
  join(1),
  join(2),
  join(3),
  admit(
    [1, 2],
    new Map([
      [1, 1],
      [2, 2],
    ]),
  ),
  join(4),
  join(1, 'c2'),
  join(5),
  complete(1),
);

const queue = (batches = [LOG], concertId = 'c1'): QueueDoc =>
  project(queuesProjection, batches).collection.get(concertId)!;
const placeOf = (doc: QueueDoc, entryId: string) => doc.entries.get(entryId)!.joinIndex - doc.admitted;

describe('queues projection', () => {
  it('keeps the join order, the admitted count and each entry', () => {
    const doc = queue();
    expect({ order: doc.order, admitted: doc.admitted, position: doc.position }).toEqual({
      order: ['e1', 'e2', 'e3', 'e4', 'e5'],
      admitted: 2,
      position: 8,
    });
    expect(doc.entries.get('e1')).toEqual({
      entryId: 'e1',
      userId: 'u1',
      joinIndex: 1,
      joinedPosition: 1,
      activeUntil: ACTIVE_UNTIL,
      completed: true,
    });
    expect(doc.entries.get('e5')).toMatchObject({ joinIndex: 5, joinedPosition: 7, activeUntil: undefined });
    expect(plain(doc.entriesByUser.get('u4'))).toEqual(['e4']);
    expect(doc.admissions).toEqual([{ at: LOG[3].recordedAt.getTime(), count: 2 }]);
    expect(queue([LOG], 'c2').order).toEqual(['e1']);
  });

  it.each(Object.entries(redeliveries(LOG)))('gives the same read model when delivered as: %s', (_, batches) => {
    const once = plain(project(queuesProjection, [LOG]).collection);
    expect(plain(project(queuesProjection, batches).collection)).toEqual(once);
  });

  it('the i-th waiting entry is at place i (joinIndex - admitted), even with joins after the admission', () => {
    const doc = queue();
    expect(['e3', 'e4', 'e5'].map((id) => placeOf(doc, id))).toEqual([1, 2, 3]);
  });

  it.each([
    [6, 0],
    [6, 1],
    [6, 4],
    [6, 6],
  ])('after %i joins and an admission of %i, the i-th waiting entry is at place i', (n, k) => {
    const joins = Array.from({ length: n }, (_, i) => join(i + 1));
    const positions = new Map(joins.map((_, i) => [i + 1, i + 1]));
    const admitted = Array.from({ length: k }, (_, i) => i + 1);
    const events: [string, Event][] = k > 0 ? [...joins, admit(admitted, positions)] : joins;
    const doc = queue([recorded(...events)]);
    const waiting = doc.order.filter((id) => doc.entries.get(id)!.activeUntil === undefined);
    expect(waiting.map((id) => placeOf(doc, id))).toEqual(Array.from({ length: n - k }, (_, i) => i + 1));
  });

  it('an admission delivered twice counts each entry once', () => {
    const admission = LOG[3];
    expect(queue([LOG.slice(0, 4), [admission], [admission]]).admitted).toBe(2);
  });

  it('a user who joins again keeps both entries, the newest last', () => {
    const doc = queue([recorded(join(1), complete(1), join(1, 'c1', 'e1b'))]);
    expect(plain(doc.entriesByUser.get('u1'))).toEqual(['e1', 'e1b']);
    expect(doc.entries.get('e1')).toMatchObject({ completed: true });
    expect(doc.entries.get('e1b')).toMatchObject({ joinIndex: 2, completed: false, activeUntil: undefined });
  });

  describe('queueEntryStatus compares with now', () => {
    it('a waiting entry is WAITING, a completed one DONE', () => {
      const doc = queue();
      expect(queueEntryStatus(doc.entries.get('e3')!, T0)).toBe('WAITING');
      expect(queueEntryStatus(doc.entries.get('e1')!, ACTIVE_UNTIL + MINUTE)).toBe('DONE');
    });

    it('an admitted entry is ACTIVE until activeUntil and EXPIRED from then on, with no event', () => {
      const e2 = queue().entries.get('e2')!;
      expect(queueEntryStatus(e2, ACTIVE_UNTIL - 1)).toBe('ACTIVE');
      expect(queueEntryStatus(e2, ACTIVE_UNTIL)).toBe('EXPIRED');
    });
  });
});
