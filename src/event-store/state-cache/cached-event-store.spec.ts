import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventStore, RecordedEvent } from '../event-store.port';
import { openEventStore } from '../open-event-store';
import { CachedEventStore } from './cached-event-store';
import { StreamStateCache } from './stream-state-cache';
import { approximateBytes } from './approximate-size';

type Counter = { count: number };
const counter = {
  initialState: (): Counter => ({ count: 0 }),
  evolve: (state: Counter, event: { type: string }): Counter =>
    event.type === 'Counted' ? { count: state.count + 1 } : state,
};
const counted = () => ({ id: randomUUID(), type: 'Counted', data: {} });

describe('CachedEventStore', () => {
  let inner: EventStore;
  let reads: { streamId: string; from: number | undefined }[];

  beforeAll(async () => {
    inner = await openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'cache-')) });
    const readStream = inner.readStream.bind(inner);
    inner.readStream = (streamId, from) => {
      reads.push({ streamId, from });
      return readStream(streamId, from);
    };
  });
  beforeEach(() => (reads = []));
  afterAll(() => inner.close());

  const cachedStore = (budgetBytes = 1024 * 1024) =>
    new CachedEventStore(inner, new StreamStateCache({ Counter: counter }, budgetBytes));

  it('folds a stream once, then catches up by reading only what follows the cached revision', async () => {
    const store = cachedStore();
    const id = `Counter-${randomUUID()}`;
    await inner.append(id, [counted(), counted()], 'no_stream');
    expect(await store.load(id, counter)).toEqual({ state: { count: 2 }, revision: 1 });
    await inner.append(id, [counted()], 1);
    expect(await store.load(id, counter)).toEqual({ state: { count: 3 }, revision: 2 });
    expect(reads).toEqual([
      { streamId: id, from: 0 },
      { streamId: id, from: 2 },
    ]);
    expect(store.cached(id)).toEqual({ state: { count: 3 }, revision: 2 });
  });

  it('keeps to its memory budget, evicting the least recently used stream first', async () => {
    const perState = approximateBytes({ count: 0 }) + `Counter-${randomUUID()}`.length * 2;
    const store = cachedStore(perState * 3);
    const ids = Array.from({ length: 4 }, () => `Counter-${randomUUID()}`);
    for (const id of ids.slice(0, 3)) store.remember(id, { count: 0 }, 0);
    store.cached(ids[0]); // used again: ids[1] is now the oldest
    store.remember(ids[3], { count: 0 }, 0);
    expect(store.states.bytes).toBeLessThanOrEqual(perState * 3);
    expect(ids.map((id) => store.cached(id) !== undefined)).toEqual([true, false, true, true]);
  });

  it('does not keep a state larger than the whole budget', () => {
    const store = cachedStore(200);
    const id = `Counter-${randomUUID()}`;
    store.remember(id, { count: 0, padding: 'x'.repeat(500) }, 0);
    expect(store.cached(id)).toBeUndefined();
  });

  it('applies the log to cached streams only, and drops a stream it cannot place', () => {
    const store = cachedStore();
    const known = `Counter-${randomUUID()}`;
    const unknown = `Counter-${randomUUID()}`;
    store.remember(known, { count: 1 }, 0);
    const recorded = (streamId: string, revision: number): RecordedEvent => ({
      id: randomUUID(),
      streamId,
      revision,
      position: 1,
      type: 'Counted',
      data: {},
      metadata: {},
      recordedAt: new Date(),
    });
    store.observe([recorded(known, 1), recorded(unknown, 0)]);
    expect(store.cached(known)).toEqual({ state: { count: 2 }, revision: 1 });
    expect(store.cached(unknown)).toBeUndefined();
    store.observe([recorded(known, 3)]);
    expect(store.cached(known)).toBeUndefined();
  });

  it('leaves streams of categories it has no folder for uncached', async () => {
    const store = cachedStore();
    const id = `Other-${randomUUID()}`;
    await inner.append(id, [counted()], 'no_stream');
    await store.load(id, counter);
    await store.load(id, counter);
    expect(store.cached(id)).toBeUndefined();
    expect(reads.map((r) => r.from)).toEqual([0, 0]);
  });
});
