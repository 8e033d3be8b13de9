import { MINUTE, T0, iso, plain, project, recorded, redeliveries } from '../shared/given-when-then';
import type { Event } from '../shared/decider';
import type { QueueAdmitted } from '../write/queue/admission.decider';
import type { QueueCompleted, QueueJoined } from '../write/queue/queue-entry.decider';
import type { EventStore } from '../event-store/event-store.port';
import { InMemoryDocumentStore } from './document-store';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
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
const placeOf = (doc: QueueDoc, entryId: string) => doc.entry(entryId)!.joinIndex - doc.admitted;

describe('queues projection', () => {
  it('keeps the join order, the admitted count and each entry', () => {
    const doc = queue();
    expect({ order: doc.order(), admitted: doc.admitted, position: doc.position }).toEqual({
      order: ['e1', 'e2', 'e3', 'e4', 'e5'],
      admitted: 2,
      position: 8,
    });
    expect(doc.entry('e1')).toEqual({
      entryId: 'e1',
      userId: 'u1',
      joinIndex: 1,
      joinedPosition: 1,
      activeUntil: ACTIVE_UNTIL,
      completed: true,
    });
    expect(doc.entry('e5')).toMatchObject({ joinIndex: 5, joinedPosition: 7, activeUntil: undefined });
    expect(doc.entriesOf('u4')).toEqual(['e4']);
    expect(doc.admissions).toEqual([{ at: LOG[3].recordedAt.getTime(), count: 2 }]);
    expect(queue([LOG], 'c2').order()).toEqual(['e1']);
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
    const waiting = doc.order().filter((id) => doc.entry(id)!.activeUntil === undefined);
    expect(waiting.map((id) => placeOf(doc, id))).toEqual(Array.from({ length: n - k }, (_, i) => i + 1));
  });

  it('an admission delivered twice counts each entry once', () => {
    const admission = LOG[3];
    expect(queue([LOG.slice(0, 4), [admission], [admission]]).admitted).toBe(2);
  });

  it('a user who joins again keeps both entries, the newest last', () => {
    const doc = queue([recorded(join(1), complete(1), join(1, 'c1', 'e1b'))]);
    expect(doc.entriesOf('u1')).toEqual(['e1', 'e1b']);
    expect(doc.entry('e1')).toMatchObject({ completed: true });
    expect(doc.entry('e1b')).toMatchObject({ joinIndex: 2, completed: false, activeUntil: undefined });
  });

  describe('queueEntryStatus compares with now', () => {
    it('a waiting entry is WAITING, a completed one DONE', () => {
      const doc = queue();
      expect(queueEntryStatus(doc.entry('e3')!, T0)).toBe('WAITING');
      expect(queueEntryStatus(doc.entry('e1')!, ACTIVE_UNTIL + MINUTE)).toBe('DONE');
    });

    it('an admitted entry is ACTIVE until activeUntil and EXPIRED from then on, with no event', () => {
      const e2 = queue().entry('e2')!;
      expect(queueEntryStatus(e2, ACTIVE_UNTIL - 1)).toBe('ACTIVE');
      expect(queueEntryStatus(e2, ACTIVE_UNTIL)).toBe('EXPIRED');
    });
  });
});

describe('queues projection, kept in columns', () => {
  const uuid = (n: number) =>
    `${n.toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-${(n * 7919).toString(16).padStart(12, '0')}`;
  const joinAs = (entryId: string, userId: string): [string, QueueJoined] => [
    `QueueEntry-c1.${userId}`,
    { type: 'QueueJoined', data: { entryId, concertId: 'c1', userId } },
  ];

  it('gives back UUIDs, other strings and look-alikes exactly as they joined, each on its own', () => {
    const ids = [
      ['00000000-0000-0000-0000-000000000000', 'e0'],
      ['e0', '00000000-0000-0000-0000-000000000000'],
      ['0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9', 'ffffffff-ffff-4fff-bfff-ffffffffffff'],
      ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', 'user with spaces'],
      ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f', '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'],
      ['0f1e2d3c-4b5a-4978-8695_a4b3c2d1e0f9', '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0g9'],
      ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f\u0669', '0f1e2d3c4b5a-4978-8695-a4b3c2d1e0f9-'],
    ];
    const doc = queue([recorded(...ids.map(([entryId, userId]) => joinAs(entryId, userId)))]);
    expect(doc.order()).toEqual(ids.map(([entryId]) => entryId));
    ids.forEach(([entryId, userId], i) => {
      expect(doc.entry(entryId)).toMatchObject({ entryId, userId, joinIndex: i + 1 });
      expect(doc.entriesOf(userId)).toEqual([entryId]);
    });
    expect(doc.entry('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f8')).toBeUndefined();
    expect(doc.entry('e1')).toBeUndefined();
    expect(doc.entriesOf('nobody')).toEqual([]);
  });

  it('finds every entry of a long queue, with its place, its user and all of that user’s entries', () => {
    const n = 20_000;
    const joins = Array.from({ length: n }, (_, i) =>
      joinAs(uuid(i + 1), i % 2 ? uuid(i % 1_000) : `user-${i % 1_000}`),
    );
    const admitted: [string, QueueAdmitted] = [
      'QueueAdmission-c1',
      {
        type: 'QueueAdmitted',
        data: {
          concertId: 'c1',
          entries: Array.from({ length: 300 }, (_, i) => ({
            entryId: uuid(i + 1),
            userId: 'u',
            joinedPosition: i + 1,
          })),
          activeUntil: iso(ACTIVE_UNTIL),
        },
      },
    ];
    const doc = queue([recorded(...joins, admitted)]);
    expect(doc.admitted).toBe(300);
    for (const i of [0, 1, 299, 300, 301, 12_345, n - 1]) {
      const entry = doc.entry(uuid(i + 1))!;
      expect(entry).toMatchObject({ joinIndex: i + 1, joinedPosition: i + 1, completed: false });
      expect(entry.userId).toBe(i % 2 ? uuid(i % 1_000) : `user-${i % 1_000}`);
      expect(entry.activeUntil).toBe(i < 300 ? ACTIVE_UNTIL : undefined);
      if (i >= 300) expect(placeOf(doc, uuid(i + 1))).toBe(i + 1 - 300);
    }
    const ofUser = doc.entriesOf(uuid(7));
    expect(ofUser).toHaveLength(n / 1_000);
    expect(ofUser).toEqual(Array.from({ length: n / 1_000 }, (_, k) => uuid(7 + k * 1_000 + 1)));
    expect(doc.entry(uuid(n + 1))).toBeUndefined();
  });

  it('an entry id that joins again is found at its newest place, not admitted and not completed', () => {
    const doc = queue([recorded(join(1), join(2), admit([1], new Map([[1, 1]])), complete(1), joinAs('e1', 'u1'))]);
    expect(doc.order()).toEqual(['e1', 'e2', 'e1']);
    expect(doc.entry('e1')).toMatchObject({
      joinIndex: 3,
      joinedPosition: 5,
      activeUntil: undefined,
      completed: false,
    });
    expect(doc.entriesOf('u1')).toEqual(['e1', 'e1']);
    expect(doc.admitted).toBe(1);
  });

  it('refuses, as poison and leaving the document as it was, queue events without the ids Redis needs too', () => {
    const poisoned: number[] = [];
    const events = recorded(
      join(1),
      ['QueueEntry-c1.u2', { type: 'QueueJoined', data: { concertId: 'c1', userId: 'u2' } }],
      ['QueueAdmission-c1', { type: 'QueueAdmitted', data: { concertId: 'c1', entries: [{ entryId: 'e1' }, {}] } }],
      ['QueueAdmission-c1', { type: 'QueueAdmitted', data: { concertId: 'c1', entries: [{ entryId: 'e1' }] } }],
    );
    const documents = new InMemoryDocumentStore();
    const projections = [queuesProjection as unknown as Projection];
    new ProjectionRunner({} as EventStore, documents, projections, (_, event) =>
      poisoned.push(event.position),
    ).applyBatch(events);
    expect(poisoned).toEqual([2, 3, 4]);
    const doc = documents.get<QueueDoc>('queues', 'c1')!;
    expect({ order: doc.order(), admitted: doc.admitted, admissions: doc.admissions }).toEqual({
      order: ['e1'],
      admitted: 0,
      admissions: [],
    });
  });
});
