import { randomUUID } from 'node:crypto';
import {
  EventStoreAdmin,
  ImportRefusedError,
  NewEvent,
  RecordedEvent,
  WrongExpectedRevisionError,
} from './event-store.port';

const event = (type = 'Happened', data: unknown = {}): NewEvent => ({ id: randomUUID(), type, data });
const stream = (category = 'Test') => `${category}-${randomUUID()}`;

/**
 * The behaviour every event store adapter must show (the EventStore port, and
 * export/import of its admin side); run once per adapter. `openEmpty` opens a
 * store nobody has written to (import needs one); by default `open`, for
 * adapters whose every open is a fresh store.
 */
export function eventStoreContract(
  open: () => Promise<EventStoreAdmin>,
  openSecond?: () => Promise<EventStoreAdmin>,
  openEmpty: () => Promise<EventStoreAdmin> = open,
): void {
  let store: EventStoreAdmin;
  /** What StoreGuarantees lets an adapter lack is asserted only where it claims it. */
  const dense = () => store.guarantees.densePositions;
  const rising = (positions: number[]) => expect(positions).toEqual([...positions].sort((a, b) => a - b));
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store.close();
  });

  it('commits appends made one after another without waiting in the order they were made, where it says so', async () => {
    const ids = Array.from({ length: 20 }, () => stream());
    const results = await Promise.all(ids.map((id) => store.append(id, [event()], 'no_stream')));
    const positions = results.map((result) => result.position);
    if (store.guarantees.appendsCommitInOrder) rising(positions);
    expect(new Set(positions).size).toBe(ids.length);
  });

  it('appends to a new stream and reads it back in order', async () => {
    const id = stream();
    const result = await store.append(id, [event('A', { n: 1 }), event('B', { n: 2 })], 'no_stream');
    expect(result.nextRevision).toBe(1);
    const read = await store.readStream(id);
    expect(read.map((e) => [e.type, e.revision, e.data])).toEqual([
      ['A', 0, { n: 1 }],
      ['B', 1, { n: 2 }],
    ]);
    expect(read[1].position).toBe(result.position);
    expect(read[1].position).toBeGreaterThan(read[0].position);
    if (dense()) expect(read[1].position - read[0].position).toBe(1);
  });

  it('refuses no_stream when the stream exists, and a stale revision', async () => {
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    await expect(store.append(id, [event()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(store.append(id, [event()], 5)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(store.append(stream(), [event()], 'stream_exists')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await store.append(id, [event()], 0);
    await store.append(id, [event()], 'stream_exists');
    await store.append(id, [event()], 'any');
    expect((await store.readStream(id)).length).toBe(4);
  });

  it('orders by number, not text: revision 10 comes after 9, from the database itself', async () => {
    const id = stream();
    const head = await store.headPosition();
    await store.append(
      id,
      Array.from({ length: 12 }, (_, n) => event('N', { n })),
      'no_stream',
    );
    const fresh = openSecond ? await openSecond() : undefined;
    const reader = fresh ?? store;
    expect((await reader.readStream(id)).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const all = await reader.readAll(head, 100);
    expect(all.filter((e) => e.streamId === id).map((e) => e.data)).toEqual(
      Array.from({ length: 12 }, (_, n) => ({ n })),
    );
    rising(all.map((e) => e.position));
    if (dense()) expect(all.map((e) => e.position)).toEqual(all.map((_, i) => head + 1 + i));
    await fresh?.close();
  });

  it('reads a stream from a revision on, so a cached state catches up with only what it missed', async () => {
    const id = stream();
    await store.append(
      id,
      Array.from({ length: 5 }, (_, n) => event('N', { n })),
      'no_stream',
    );
    expect((await store.readStream(id, 3)).map((e) => [e.revision, e.data])).toEqual([
      [3, { n: 3 }],
      [4, { n: 4 }],
    ]);
    expect(await store.readStream(id, 5)).toEqual([]);
    expect((await store.readStream(id, 0)).length).toBe(5);
  });

  it('reads only the given event types of the log when filtered, in position order', async () => {
    const head = await store.headPosition();
    const a = stream();
    const b = stream();
    await store.append(a, [event('Wanted', { n: 1 }), event('Other')], 'no_stream');
    await store.append(b, [event('Other'), event('AlsoWanted', { n: 2 }), event('Wanted', { n: 3 })], 'no_stream');
    const read = await store.readAll(head, 10, { types: ['Wanted', 'AlsoWanted'] });
    expect(read.map((e) => [e.streamId, e.type, e.data])).toEqual([
      [a, 'Wanted', { n: 1 }],
      [b, 'AlsoWanted', { n: 2 }],
      [b, 'Wanted', { n: 3 }],
    ]);
    expect(read.map((e) => e.position)).toEqual([...read.map((e) => e.position)].sort((x, y) => x - y));
    expect((await store.readAll(read[0].position, 1, { types: ['Wanted'] })).map((e) => e.data)).toEqual([{ n: 3 }]);
  });

  it('returns an empty list for a stream that does not exist', async () => {
    expect(await store.readStream(stream())).toEqual([]);
  });

  it('writes a retried append with the same event ids once', async () => {
    const id = stream();
    const events = [event('A'), event('B')];
    const first = await store.append(id, events, 'no_stream');
    const retry = await store.append(id, events, 'no_stream');
    expect(retry).toEqual(first);
    expect((await store.readStream(id)).length).toBe(2);
  });

  it('lets exactly one of many racing appends at the same revision win', async () => {
    const id = stream();
    await store.append(id, [event()], 'no_stream');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(id, [event()], 0)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.every((r) => r.reason instanceof WrongExpectedRevisionError)).toBe(true);
  });

  it('reads the global log forward from a position (densely where it says so)', async () => {
    const head = await store.headPosition();
    const id = stream();
    const written = await store.append(id, [event('A'), event('B'), event('C')], 'no_stream');
    const page = await store.readAll(head, 2);
    expect(page.map((e) => e.type)).toEqual(['A', 'B']);
    expect((await store.readAll(page[1].position, 10)).map((e) => e.type)).toEqual(['C']);
    expect(await store.headPosition()).toBe(written.position);
    if (dense()) {
      expect(page.map((e) => e.position)).toEqual([head + 1, head + 2]);
      expect(written.position).toBe(head + 3);
    }
  });

  it('delivers every event of many concurrent appenders exactly once, in position order', async () => {
    const start = await store.headPosition();
    const received: RecordedEvent[] = [];
    const subscription = store.subscribe(start, (events) => {
      received.push(...events);
    });
    await subscription.caughtUp;
    const writers = openSecond ? [store, await openSecond()] : [store];
    const appenders = 40;
    const perAppender = 25;
    await Promise.all(
      Array.from({ length: appenders }, async (_, a) => {
        const id = stream('Race');
        const writer = writers[a % writers.length];
        for (let i = 0; i < perAppender; i++)
          await writer.append(id, [event('Raced', { a, i })], i === 0 ? 'no_stream' : i - 1);
      }),
    );
    const expected = appenders * perAppender;
    const deadline = Date.now() + 10_000;
    while (received.filter((e) => e.type === 'Raced').length < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await subscription.close();
    for (const writer of writers.slice(1)) await writer.close();
    const positions = received.map((e) => e.position);
    expect(positions[0]).toBeGreaterThan(start);
    positions.forEach((p, i) => i > 0 && expect(p).toBeGreaterThan(positions[i - 1]));
    if (dense()) {
      expect(positions[0]).toBe(start + 1);
      positions.forEach((p, i) => i > 0 && expect(p).toBe(positions[i - 1] + 1));
    }
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
    expect(received.filter((e) => e.type === 'Raced')).toHaveLength(expected);
  });

  it('catches up from an old position and then goes live', async () => {
    const id = stream();
    const before = await store.headPosition();
    await store.append(id, [event('Old')], 'no_stream');
    const received: string[] = [];
    const subscription = store.subscribe(before, (events) => {
      received.push(...events.filter((e) => e.streamId === id).map((e) => e.type));
    });
    await subscription.caughtUp;
    expect(received).toEqual(['Old']);
    await store.append(id, [event('New')], 0);
    const deadline = Date.now() + 5_000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await subscription.close();
    expect(received).toEqual(['Old', 'New']);
  });

  describe('import', () => {
    const exported = async (): Promise<RecordedEvent[]> => {
      const id = stream('Imported');
      const other = stream('Other');
      // From the head before, not `head - 4`: only dense positions can be counted back.
      const before = await store.headPosition();
      await store.append(id, [event('A', { n: 1 }), event('B', { n: 2 })], 'no_stream');
      await store.append(
        other,
        [{ ...event('C', { n: 3 }), metadata: { correlationId: 'c-1', causationId: 'c-0' } }],
        'no_stream',
      );
      await store.append(id, [event('D', { n: 4 })], 1);
      const all = (await store.readStored(before, 10)).filter((e) => e.streamId === id || e.streamId === other);
      // Renumbered from 1, as an export of a whole log starts, with times of its own.
      return all.map((e, i) => ({ ...e, position: i + 1, recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) }));
    };

    /** Events as an import must keep them: all but their positions where the target numbers its own. */
    const kept = (target: EventStoreAdmin, events: readonly RecordedEvent[]) =>
      target.guarantees.densePositions ? events : events.map((e) => ({ ...e, position: expect.any(Number) }));

    it('writes the events of an export as they are into an empty store, then appends continue after them', async () => {
      const events = await exported();
      const target = await openEmpty();
      try {
        const denseTarget = target.guarantees.densePositions;
        expect(await target.headPosition()).toBe(0);
        const middle = await target.importEvents(0, events.slice(0, 2));
        const end = await target.importEvents(middle, events.slice(2));
        if (denseTarget) expect([middle, end]).toEqual([2, 4]);
        const stored = await target.readStored(0, 10);
        expect(stored).toEqual(kept(target, events));
        rising(stored.map((e) => e.position));
        expect(await target.readStream(events[0].streamId)).toEqual(
          kept(
            target,
            events.filter((e) => e.streamId === events[0].streamId),
          ),
        );
        expect(await target.headPosition()).toBe(end);
        const next = await target.append(events[0].streamId, [event('E')], 2);
        expect(next.nextRevision).toBe(3);
        expect(next.position).toBeGreaterThan(end);
        if (denseTarget) expect(next.position).toBe(5);
        await expect(target.append(events[2].streamId, [event('F')], 'no_stream')).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
      } finally {
        await target.close();
      }
    });

    it('refuses a store that is not empty, a page that does not continue the head, and holes or repeats', async () => {
      const events = await exported();
      const refused = (promise: Promise<unknown>, reason: ImportRefusedError['reason']) =>
        expect(promise).rejects.toEqual(expect.objectContaining({ name: 'ImportRefusedError', reason }));
      await refused(store.importEvents(0, events), 'store_not_empty');
      const target = await openEmpty();
      try {
        await refused(target.importEvents(5, events), 'head_moved');
        if (target.guarantees.densePositions) await refused(target.importEvents(0, [events[0], events[2]]), 'invalid');
        await refused(target.importEvents(0, [events[1], events[0]]), 'invalid');
        await refused(target.importEvents(0, [events[0], { ...events[1], id: events[0].id }]), 'invalid');
        expect(await target.headPosition()).toBe(0);
        if (target.guarantees.densePositions) {
          // A partial export (from a later position) may start anywhere in an empty store that keeps
          // positions; a store that numbers its own (KurrentDB) cannot write revision 2 without 0 and 1.
          const later = events.slice(2).map((e) => ({ ...e, position: e.position + 100 }));
          expect(await target.importEvents(0, later)).toBe(104);
        } else {
          await target.importEvents(0, events.slice(0, 1));
        }
        await refused(target.importEvents(0, events), 'store_not_empty');
      } finally {
        await target.close();
      }
    });

    it('wakes subscribers with the imported events', async () => {
      const events = await exported();
      const target = await openEmpty();
      const received: RecordedEvent[] = [];
      const subscription = target.subscribe(0, (page) => {
        received.push(...page);
      });
      try {
        await subscription.caughtUp;
        await target.importEvents(0, events);
        const deadline = Date.now() + 5_000;
        while (received.length < events.length && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(received.map((e) => e.id)).toEqual(events.map((e) => e.id));
      } finally {
        await subscription.close();
        await target.close();
      }
    });
  });
}
