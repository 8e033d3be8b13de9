import { RecordedEvent } from '../../event-store/event-store.port';
import { ProjectionSink } from '../../projections/projection-sink';
import { MINUTE, SECOND, T0, mulberry32, redeliveries } from '../../shared/given-when-then';
import { preQueueOrder } from '../../shared/pre-queue-order';
import { QueueEntryRead, QueueReads } from './read-store.port';

export type QueueReadsFixture = {
  readonly sink: ProjectionSink;
  readonly reads: QueueReads;
  /** Another instance's sink writing into the same store (stores that several instances share). */
  readonly secondSink?: () => Promise<ProjectionSink>;
  cleanup(): Promise<void>;
};

/** A global log written by hand: positions dense from 1, each event one second after the last unless moved. */
export class QueueLog {
  readonly events: RecordedEvent[] = [];
  private clock = T0 + SECOND;
  private readonly users = new Map<string, string>();

  /** The next event is recorded at `time`. */
  at(time: number): this {
    this.clock = time;
    return this;
  }

  /** When the next event will be recorded. */
  get time(): number {
    return this.clock;
  }

  wait(ms: number): this {
    this.clock += ms;
    return this;
  }

  join(concertId: string, entryId: string, userId = `u-${entryId}`): this {
    this.users.set(entryId, userId);
    return this.add(`QueueEntry-${concertId}.${userId}`, 'QueueJoined', { entryId, concertId, userId });
  }

  admit(concertId: string, entryIds: readonly string[], activeUntil: number): this {
    const joined = new Map(
      this.events.filter((e) => e.type === 'QueueJoined').map((e) => [(e.data as { entryId: string }).entryId, e]),
    );
    const entries = entryIds.map((entryId) => ({
      entryId,
      userId: this.users.get(entryId) ?? 'nobody',
      joinedPosition: joined.get(entryId)?.position ?? 0,
    }));
    return this.add(`QueueAdmission-${concertId}`, 'QueueAdmitted', {
      concertId,
      entries,
      activeUntil: new Date(activeUntil).toISOString(),
    });
  }

  complete(concertId: string, entryId: string): this {
    const userId = this.users.get(entryId) ?? 'nobody';
    return this.add(`QueueEntry-${concertId}.${userId}`, 'QueueCompleted', { entryId, reservationId: `r-${entryId}` });
  }

  /** An admin's control on the concert's admission ledger (AdmissionPaused, AdmissionResumed, AdmissionRateSet). */
  control(concertId: string, type: 'AdmissionPaused' | 'AdmissionResumed', data?: object): this;
  control(concertId: string, type: 'AdmissionRateSet', data: { admitPerMinute: number | null }): this;
  control(concertId: string, type: string, data: object = {}): this {
    return this.add(`QueueAdmission-${concertId}`, type, { concertId, ...data });
  }

  /** A concert created with these settings (its seats do not matter to the queue). */
  concert(concertId: string, settings: { admitPerMinute?: number; onSaleAt?: string } = {}): this {
    return this.add(`Concert-${concertId}`, 'ConcertCreated', { concertId, title: 't', schedules: [], ...settings });
  }

  /** The admin moved the concert's opening. */
  reschedule(concertId: string, onSaleAt: string): this {
    return this.add(`Concert-${concertId}`, 'ConcertOnSaleRescheduled', { concertId, onSaleAt });
  }

  /** The admission leader opened the sale, fixing the pre-queue's order with `seed`. */
  open(concertId: string, seed: number): this {
    return this.add(`QueueAdmission-${concertId}`, 'QueueOpened', {
      concertId,
      seed,
      openedAt: new Date(this.clock).toISOString(),
    });
  }

  /** An event the queue read model must ignore, even though its data looks like a queue event's. */
  other(type = 'SeatsHeld', concertId = 'c1', entryId = 'e1'): this {
    return this.add(`QueueEntry-${concertId}.u-${entryId}`, type, { concertId, entryId, userId: `u-${entryId}` });
  }

  private add(streamId: string, type: string, data: unknown): this {
    const position = this.events.length + 1;
    this.events.push({
      id: `event-${position}`,
      streamId,
      revision: 0,
      position,
      type,
      data,
      metadata: {},
      recordedAt: new Date(this.clock),
    });
    this.clock += SECOND;
    return this;
  }
}

const UNTIL_1 = T0 + 10 * MINUTE;
const UNTIL_2 = T0 + 12 * MINUTE;

/**
 * c1: e1..e4 join, e1 and e2 are admitted (at 7 s), e5 joins, e1 completes;
 * 70 s later e3 is admitted alone (at 81 s), which trims the first admission
 * from the last-minute window. c2 has one waiting entry. Positions 3, 10 and
 * 12 are events of other types.
 */
const scenario = (): RecordedEvent[] =>
  new QueueLog()
    .join('c1', 'e1')
    .join('c1', 'e2')
    .other()
    .join('c2', 'f1')
    .join('c1', 'e3')
    .join('c1', 'e4')
    .admit('c1', ['e1', 'e2'], UNTIL_1)
    .join('c1', 'e5')
    .complete('c1', 'e1')
    .other('QueueLeft', 'c1', 'e4')
    .wait(70 * SECOND)
    .admit('c1', ['e3'], UNTIL_2)
    .other('QueueEntryViewed', 'c1', 'e5').events;

const LAST_POSITION = 12;

const QUERIES: Record<string, [concertId: string, entryId: string, now: number]> = {
  'c1/e1 at 90 s': ['c1', 'e1', T0 + 90 * SECOND],
  'c1/e2 at 90 s': ['c1', 'e2', T0 + 90 * SECOND],
  'c1/e3 at 90 s': ['c1', 'e3', T0 + 90 * SECOND],
  'c1/e4 at 90 s': ['c1', 'e4', T0 + 90 * SECOND],
  'c1/e5 at 90 s': ['c1', 'e5', T0 + 90 * SECOND],
  'c2/f1 at 90 s': ['c2', 'f1', T0 + 90 * SECOND],
  'c1/e4 at 60 s': ['c1', 'e4', T0 + 60 * SECOND],
  'c1/e2 just before its activeUntil': ['c1', 'e2', UNTIL_1 - 1],
  'c1/e2 at its activeUntil': ['c1', 'e2', UNTIL_1],
  'c1/e3 at e2s activeUntil': ['c1', 'e3', UNTIL_1],
  'c1/e3 at its activeUntil': ['c1', 'e3', UNTIL_2],
  'c1/e1 at 12 min': ['c1', 'e1', UNTIL_2],
  'c1/e5 at 12 min': ['c1', 'e5', UNTIL_2],
  'c2/e4 (entry of another concert)': ['c2', 'e4', T0 + 90 * SECOND],
  'c1/f1 (entry of another concert)': ['c1', 'f1', T0 + 90 * SECOND],
  'c3/e1 (unknown concert)': ['c3', 'e1', T0 + 90 * SECOND],
  'c1/e9 (unknown entry)': ['c1', 'e9', T0 + 90 * SECOND],
};

const EXPECTED: Record<string, QueueEntryRead | undefined> = {
  'c1/e1 at 90 s': { userId: 'u-e1', status: 'DONE', admittedLastMinute: 1 },
  'c1/e2 at 90 s': { userId: 'u-e2', status: 'ACTIVE', admittedLastMinute: 1 },
  'c1/e3 at 90 s': { userId: 'u-e3', status: 'ACTIVE', admittedLastMinute: 1 },
  'c1/e4 at 90 s': { userId: 'u-e4', status: 'WAITING', position: 1, admittedLastMinute: 1 },
  'c1/e5 at 90 s': { userId: 'u-e5', status: 'WAITING', position: 2, admittedLastMinute: 1 },
  'c2/f1 at 90 s': { userId: 'u-f1', status: 'WAITING', position: 1, admittedLastMinute: 0 },
  // The admission at 7 s left the window when the one at 81 s was applied (trimmed by event time).
  'c1/e4 at 60 s': { userId: 'u-e4', status: 'WAITING', position: 1, admittedLastMinute: 1 },
  'c1/e2 just before its activeUntil': { userId: 'u-e2', status: 'ACTIVE', admittedLastMinute: 0 },
  'c1/e2 at its activeUntil': { userId: 'u-e2', status: 'EXPIRED', admittedLastMinute: 0 },
  'c1/e3 at e2s activeUntil': { userId: 'u-e3', status: 'ACTIVE', admittedLastMinute: 0 },
  'c1/e3 at its activeUntil': { userId: 'u-e3', status: 'EXPIRED', admittedLastMinute: 0 },
  'c1/e1 at 12 min': { userId: 'u-e1', status: 'DONE', admittedLastMinute: 0 },
  'c1/e5 at 12 min': { userId: 'u-e5', status: 'WAITING', position: 2, admittedLastMinute: 0 },
  'c2/e4 (entry of another concert)': undefined,
  'c1/f1 (entry of another concert)': undefined,
  'c3/e1 (unknown concert)': undefined,
  'c1/e9 (unknown entry)': undefined,
};

async function answers(reads: QueueReads): Promise<Record<string, QueueEntryRead | undefined>> {
  const entries = await Promise.all(
    Object.entries(QUERIES).map(async ([label, [concertId, entryId, now]]) => {
      return [label, await reads.entry(concertId, entryId, now)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function applyAll(sink: ProjectionSink, batches: readonly (readonly RecordedEvent[])[]): Promise<void> {
  for (const batch of batches) await sink.apply(batch);
}

/** Cuts the log into batches of 1..maxSize events, chosen by a seeded PRNG. */
function split(events: readonly RecordedEvent[], seed: number, maxSize = 4): RecordedEvent[][] {
  const random = mulberry32(seed);
  const batches: RecordedEvent[][] = [];
  for (let i = 0; i < events.length;) {
    const size = 1 + Math.floor(random() * maxSize);
    batches.push(events.slice(i, i + size));
    i += size;
  }
  return batches;
}

const chunks = (events: readonly RecordedEvent[], size: number) =>
  Array.from({ length: Math.ceil(events.length / size) }, (_, i) => events.slice(i * size, (i + 1) * size));

/**
 * What every QueueReads store, fed through its ProjectionSink, must answer.
 * `sharedStore`: the store is written by several instances at once (Redis),
 * so the fixture has a `secondSink` and the interleaving tests run.
 */
export function queueReadsContract(
  name: string,
  makeFixture: () => Promise<QueueReadsFixture>,
  { sharedStore }: { readonly sharedStore: boolean },
): void {
  describe(`${name}: queue reads contract`, () => {
    let fixture: QueueReadsFixture;
    let sink: ProjectionSink;
    let reads: QueueReads;

    beforeEach(async () => {
      fixture = await makeFixture();
      ({ sink, reads } = fixture);
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('starts at checkpoint 0, knowing no entry', async () => {
      expect(await sink.checkpoint()).toBe(0);
      expect(await reads.entry('c1', 'e1', T0)).toBeUndefined();
    });

    it('records the version of the sink that writes it, and reports it back', async () => {
      await sink.recordVersion();
      expect(await sink.storedVersion()).toBe(sink.version);
    });

    it('places waiting entries 1..n in join order, each concert on its own', async () => {
      const log = new QueueLog()
        .join('c1', 'e1')
        .join('c2', 'f1')
        .join('c1', 'e2')
        .join('c1', 'e3')
        .join('c2', 'f2')
        .join('c1', 'e4');
      await sink.apply(log.events);
      const read = (concertId: string, entryId: string) => reads.entry(concertId, entryId, T0 + MINUTE);
      expect(await read('c1', 'e3')).toStrictEqual({
        userId: 'u-e3',
        status: 'WAITING',
        position: 3,
        admittedLastMinute: 0,
      });
      const positions = async (concertId: string, ids: string[]) =>
        Promise.all(ids.map(async (id) => (await read(concertId, id))?.position));
      expect(await positions('c1', ['e1', 'e2', 'e3', 'e4'])).toEqual([1, 2, 3, 4]);
      expect(await positions('c2', ['f1', 'f2'])).toEqual([1, 2]);
    });

    it.each([1, 3, 5])('an admission of the first %i makes them ACTIVE and moves the rest up by as many', async (k) => {
      const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
      const log = new QueueLog();
      for (const id of ids) log.join('c1', id);
      log.admit('c1', ids.slice(0, k), UNTIL_1).join('c1', 'e7');
      await sink.apply(log.events);
      const now = T0 + 30 * SECOND;
      const read = await Promise.all([...ids, 'e7'].map((id) => reads.entry('c1', id, now)));
      expect(read.map((r) => r?.status)).toEqual([...ids.map((_, i) => (i < k ? 'ACTIVE' : 'WAITING')), 'WAITING']);
      expect(read.map((r) => r?.position)).toEqual([
        ...ids.map((_, i) => (i < k ? undefined : i + 1 - k)),
        ids.length + 1 - k,
      ]);
      expect(read.every((r) => r?.admittedLastMinute === k)).toBe(true);
    });

    it('keeps the other concerts and entries of a later admission in place', async () => {
      const log = new QueueLog().join('c1', 'e1').join('c1', 'e2').join('c2', 'f1').join('c1', 'e3');
      log.admit('c1', ['e1'], UNTIL_1).admit('c1', ['e2'], UNTIL_2);
      await sink.apply(log.events);
      expect(await reads.entry('c1', 'e3', T0)).toMatchObject({ status: 'WAITING', position: 1 });
      expect(await reads.entry('c2', 'f1', T0)).toMatchObject({ status: 'WAITING', position: 1 });
      expect(await reads.entry('c1', 'e1', UNTIL_1)).toMatchObject({ status: 'EXPIRED' });
      expect(await reads.entry('c1', 'e2', UNTIL_1)).toMatchObject({ status: 'ACTIVE' });
    });

    it('keeps the first activeUntil of an entry that a later admission lists again', async () => {
      const log = new QueueLog().join('c1', 'e1').join('c1', 'e2').join('c1', 'e3');
      log.admit('c1', ['e1'], UNTIL_1).admit('c1', ['e1', 'e2'], UNTIL_2);
      await sink.apply(log.events);
      expect(await reads.entry('c1', 'e1', UNTIL_1)).toStrictEqual({
        userId: 'u-e1',
        status: 'EXPIRED',
        admittedLastMinute: 0,
      });
      expect((await reads.entry('c1', 'e2', UNTIL_1))?.status).toBe('ACTIVE');
      // Each admission counts every entry it lists.
      expect(await reads.entry('c1', 'e3', T0)).toStrictEqual({
        userId: 'u-e3',
        status: 'WAITING',
        position: 1,
        admittedLastMinute: 3,
      });
    });

    it('answers the scenario: statuses by time, places, last-minute admissions, unknown entries', async () => {
      await sink.apply(scenario());
      expect(await answers(reads)).toStrictEqual(EXPECTED);
      expect(await sink.checkpoint()).toBe(LAST_POSITION);
    });

    it('turns an ACTIVE entry EXPIRED when now reaches activeUntil, with no event', async () => {
      await sink.apply(new QueueLog().join('c1', 'e1').admit('c1', ['e1'], UNTIL_1).events);
      expect(await reads.entry('c1', 'e1', UNTIL_1 - 1)).toStrictEqual({
        userId: 'u-e1',
        status: 'ACTIVE',
        admittedLastMinute: 0,
      });
      expect((await reads.entry('c1', 'e1', UNTIL_1))?.status).toBe('EXPIRED');
      expect((await reads.entry('c1', 'e1', UNTIL_1 + 1))?.status).toBe('EXPIRED');
    });

    it('marks a completed entry DONE, active or expired, and leaves the waiting places alone', async () => {
      const log = new QueueLog().join('c1', 'e1').join('c1', 'e2').join('c1', 'e3');
      log.admit('c1', ['e1', 'e2'], UNTIL_1);
      await sink.apply(log.events);
      expect((await reads.entry('c1', 'e3', T0))?.position).toBe(1);
      const applied = log.events.length;
      log
        .at(UNTIL_1 + MINUTE)
        .complete('c1', 'e1')
        .complete('c1', 'e2');
      await sink.apply(log.events.slice(applied));
      expect(await reads.entry('c1', 'e1', T0)).toStrictEqual({
        userId: 'u-e1',
        status: 'DONE',
        admittedLastMinute: 2,
      });
      expect((await reads.entry('c1', 'e2', UNTIL_1 + 2 * MINUTE))?.status).toBe('DONE');
      expect((await reads.entry('c1', 'e3', T0))?.position).toBe(1);
    });

    it('counts only the admissions of the 60 s before now, of this concert', async () => {
      const log = new QueueLog();
      for (const id of ['e1', 'e2', 'e3', 'e4', 'e5']) log.join('c1', id);
      log.join('c2', 'g1').join('c2', 'g2');
      log.at(T0 + 10 * SECOND).admit('c1', ['e1', 'e2'], UNTIL_1);
      log.at(T0 + 50 * SECOND).admit('c1', ['e3'], UNTIL_1);
      log.at(T0 + 60 * SECOND).admit('c2', ['g1'], UNTIL_1);
      const beforeThird = log.events.length;
      log.at(T0 + 100 * SECOND).admit('c1', ['e4'], UNTIL_1);
      const count = async (now: number, concertId = 'c1', entryId = 'e5') =>
        (await reads.entry(concertId, entryId, now))?.admittedLastMinute;

      await sink.apply(log.events.slice(0, beforeThird));
      expect(await count(T0 + 55 * SECOND)).toBe(3);
      expect(await count(T0 + 70 * SECOND - 1)).toBe(3);
      expect(await count(T0 + 70 * SECOND)).toBe(1);

      await sink.apply(log.events.slice(beforeThird));
      expect(await count(T0 + 100 * SECOND)).toBe(2);
      expect(await count(T0 + 110 * SECOND - 1)).toBe(2);
      expect(await count(T0 + 110 * SECOND)).toBe(1);
      expect(await count(T0 + 160 * SECOND - 1)).toBe(1);
      expect(await count(T0 + 160 * SECOND)).toBe(0);
      expect(await count(T0 + 100 * SECOND, 'c2', 'g2')).toBe(1);
    });

    it('stores the last applied position as the checkpoint, even of an ignored event, and never goes back', async () => {
      const events = scenario();
      await sink.apply(events.slice(0, 6));
      expect(await sink.checkpoint()).toBe(6);
      await sink.apply(events.slice(6));
      expect(events[events.length - 1].type).toBe('QueueEntryViewed');
      expect(await sink.checkpoint()).toBe(LAST_POSITION);
      await sink.apply(events.slice(0, 6));
      await sink.apply([]);
      expect(await sink.checkpoint()).toBe(LAST_POSITION);
    });

    it('ignores events of other types, however queue-like their data, but moves the checkpoint', async () => {
      const log = new QueueLog().other('QueueLeft', 'c1', 'e1').other('QueueJoinRequested', 'c1', 'e2').other();
      await sink.apply(log.events);
      expect(await sink.checkpoint()).toBe(3);
      expect(await reads.entry('c1', 'e1', T0)).toBeUndefined();
      expect(await reads.entry('c1', 'e2', T0)).toBeUndefined();
    });

    it.each(Object.entries(redeliveries(scenario())))(
      'gives the same answers when delivered as: %s',
      async (_, batches) => {
        await applyAll(sink, batches);
        expect(await answers(reads)).toStrictEqual(EXPECTED);
        expect(await sink.checkpoint()).toBe(LAST_POSITION);
      },
    );

    it('changes no answer when older, overlapping batches arrive again', async () => {
      const events = scenario();
      await sink.apply(events);
      const random = mulberry32(7);
      for (let i = 0; i < 25; i += 1) {
        const from = Math.floor(random() * events.length);
        const to = from + 1 + Math.floor(random() * (events.length - from));
        await sink.apply(events.slice(from, to));
      }
      // The admission at 7 s again, after the one at 81 s trimmed it: it must not come back.
      await sink.apply(events.slice(6, 7));
      expect(await answers(reads)).toStrictEqual(EXPECTED);
      expect(await sink.checkpoint()).toBe(LAST_POSITION);
    });

    it('forgets everything on reset, and a replay from zero gives the same answers', async () => {
      const events = scenario();
      await sink.apply(events);
      await sink.reset();
      expect(await sink.checkpoint()).toBe(0);
      const none = Object.fromEntries(Object.keys(EXPECTED).map((label) => [label, undefined]));
      expect(await answers(reads)).toStrictEqual(none);
      await applyAll(sink, chunks(events, 5));
      expect(await answers(reads)).toStrictEqual(EXPECTED);
      expect(await sink.checkpoint()).toBe(LAST_POSITION);
    });

    it('gives the same answers in two stores fed the same log in different batch splits', async () => {
      const other = await makeFixture();
      try {
        const events = scenario();
        await applyAll(sink, split(events, 1));
        await applyAll(other.sink, chunks(events, 1));
        expect(await answers(reads)).toStrictEqual(EXPECTED);
        expect(await answers(other.reads)).toStrictEqual(EXPECTED);
      } finally {
        await other.cleanup();
      }
    });

    it('takes a batch of 1000 events', async () => {
      const log = new QueueLog();
      const ids = Array.from({ length: 1000 }, (_, i) => `e${String(i + 1).padStart(4, '0')}`);
      for (const id of ids) log.join('c1', id);
      log.admit('c1', ids.slice(0, 300), UNTIL_1);
      for (let i = 0; i < 699; i += 1) log.other();
      await sink.apply(log.events.slice(0, 1000));
      expect((await reads.entry('c1', 'e1000', T0))?.position).toBe(1000);
      await sink.apply(log.events.slice(1000));
      expect(await sink.checkpoint()).toBe(1700);
      expect(await reads.entry('c1', 'e0300', T0)).toMatchObject({ status: 'ACTIVE', admittedLastMinute: 300 });
      expect((await reads.entry('c1', 'e0301', T0))?.position).toBe(1);
      expect((await reads.entry('c1', 'e1000', T0))?.position).toBe(700);
    });

    it('answers PAUSED to waiting entries while admission is paused, and WAITING again once resumed', async () => {
      const log = new QueueLog().concert('c1').join('c1', 'e1').join('c1', 'e2').join('c2', 'f1');
      log.admit('c1', ['e1'], UNTIL_1).control('c1', 'AdmissionPaused');
      await sink.apply(log.events);
      expect(await reads.entry('c1', 'e2', T0)).toMatchObject({ status: 'PAUSED', position: 1 });
      expect(await reads.entry('c1', 'e1', T0)).toMatchObject({ status: 'ACTIVE' });
      expect(await reads.entry('c2', 'f1', T0)).toMatchObject({ status: 'WAITING', position: 1 });
      const applied = log.events.length;
      log.control('c1', 'AdmissionResumed');
      await applyAll(sink, redeliveries(log.events.slice(applied))['each event twice']);
      expect(await reads.entry('c1', 'e2', T0)).toMatchObject({ status: 'WAITING', position: 1 });
      // An old pause delivered again does not pause again.
      await sink.apply(log.events.slice(0, applied));
      expect(await reads.entry('c1', 'e2', T0)).toMatchObject({ status: 'WAITING' });
    });

    it("knows the concert's inflow rate, then the ledger's, and no rate once lifted", async () => {
      const log = new QueueLog().concert('c1', { admitPerMinute: 30 }).concert('c2').join('c1', 'e1').join('c2', 'f1');
      await sink.apply(log.events);
      expect(await reads.entry('c1', 'e1', T0)).toMatchObject({ admitPerMinute: 30 });
      expect(await reads.entry('c2', 'f1', T0)).not.toHaveProperty('admitPerMinute');
      const applied = log.events.length;
      log.control('c1', 'AdmissionRateSet', { admitPerMinute: 90 });
      await sink.apply(log.events.slice(applied));
      expect(await reads.entry('c1', 'e1', T0)).toMatchObject({ admitPerMinute: 90 });
      log.control('c1', 'AdmissionRateSet', { admitPerMinute: null });
      await sink.apply(log.events.slice(applied + 1));
      expect(await reads.entry('c1', 'e1', T0)).not.toHaveProperty('admitPerMinute');
    });

    describe('a scheduled opening', () => {
      const OPENS = T0 + 10 * MINUTE;
      const SEED = 424_242;
      const ids = Array.from({ length: 40 }, (_, i) => `e${String(i).padStart(2, '0')}`);
      const preQueue = () => {
        const log = new QueueLog().concert('c1', { onSaleAt: new Date(OPENS).toISOString() }).concert('c2');
        for (const id of ids) log.join('c1', id);
        return log.join('c2', 'f1');
      };
      const positions = (entryIds: readonly string[]) =>
        Promise.all(entryIds.map(async (id) => (await reads.entry('c1', id, OPENS))?.position));

      it('answers PRE_QUEUE with the opening time, and no place, to entries that joined before it', async () => {
        const log = preQueue();
        await sink.apply(log.events);
        expect(await reads.entry('c1', 'e07', T0)).toStrictEqual({
          userId: 'u-e07',
          status: 'PRE_QUEUE',
          admittedLastMinute: 0,
          opensAt: OPENS,
        });
        expect(await reads.entry('c2', 'f1', T0)).toMatchObject({ status: 'WAITING', position: 1 });
        const applied = log.events.length;
        log.reschedule('c1', new Date(OPENS + MINUTE).toISOString());
        await sink.apply(log.events.slice(applied));
        expect(await reads.entry('c1', 'e07', T0)).toMatchObject({ status: 'PRE_QUEUE', opensAt: OPENS + MINUTE });
      });

      it('places the pre-queue in the order its seed gives, later joins behind it in join order', async () => {
        const log = preQueue().open('c1', SEED).join('c1', 'late1').join('c1', 'late2');
        await sink.apply(log.events);
        const order = preQueueOrder(ids.length, SEED);
        const expected = ids.map((_, joinIndex) => order.indexOf(joinIndex) + 1);
        expect(await positions(ids)).toEqual(expected);
        expect(await positions(['late1', 'late2'])).toEqual([ids.length + 1, ids.length + 2]);
        // Admission takes them in that order, and the rest move up.
        const firstThree = [0, 1, 2].map((rank) => ids[order[rank]]);
        log.admit('c1', firstThree, UNTIL_1);
        await sink.apply(log.events.slice(-1));
        expect(await positions(ids)).toEqual(expected.map((p) => (p <= 3 ? undefined : p - 3)));
        expect(await positions(['late2'])).toEqual([ids.length - 1]);
      });

      it('shuffles once, whatever the batches, re-deliveries and replays', async () => {
        const events = preQueue()
          .open('c1', SEED)
          .join('c1', 'late1')
          .open('c1', SEED + 1).events;
        await applyAll(sink, split(events, 7, 5));
        await applyAll(sink, split(events, 8, 3));
        const once = await positions([...ids, 'late1']);
        await sink.reset();
        await sink.apply(events);
        expect(await positions([...ids, 'late1'])).toEqual(once);
        expect(new Set(once).size).toBe(ids.length + 1);
        expect(once[once.length - 1]).toBe(ids.length + 1);
      });
    });

    // Not declared at all for a store no second process can write to (a skipped test would fail CI).
    if (sharedStore)
      describe('two instances writing into one store', () => {
        let second: ProjectionSink;
        beforeEach(async () => {
          if (!fixture.secondSink) throw new Error('a shared store fixture needs secondSink');
          second = await fixture.secondSink();
          await second.prepare();
        });
        afterEach(async () => {
          await second.close();
        });

        it('agree on every answer when their overlapping batches interleave', async () => {
          const e = scenario();
          // Each instance applies contiguous batches from where it started, as a subscription delivers them.
          await sink.apply(e.slice(0, 5));
          await second.apply(e.slice(0, 8));
          await sink.apply(e.slice(5, 9));
          await second.apply(e.slice(8, 12));
          expect(await sink.checkpoint()).toBe(LAST_POSITION);
          await sink.apply(e.slice(9, 12));
          expect(await answers(reads)).toStrictEqual(EXPECTED);
          expect(await second.checkpoint()).toBe(LAST_POSITION);
        });

        it.each([1, 2, 3])('agree when both race from zero with different splits (seed %i)', async (seed) => {
          const events = scenario();
          await Promise.all([applyAll(sink, split(events, seed, 3)), applyAll(second, split(events, seed + 100, 5))]);
          expect(await answers(reads)).toStrictEqual(EXPECTED);
          expect(await sink.checkpoint()).toBe(LAST_POSITION);
        });

        it('agree when the second starts from the checkpoint it reads while the first is running', async () => {
          const events = scenario();
          await applyAll(sink, chunks(events.slice(0, 4), 1));
          const first = applyAll(sink, chunks(events.slice(4), 1));
          const from = await second.checkpoint();
          expect(from).toBeGreaterThanOrEqual(4);
          await Promise.all([first, applyAll(second, chunks(events.slice(from), 2))]);
          expect(await answers(reads)).toStrictEqual(EXPECTED);
        });
      });
  });
}
