import { RecordedEvent } from '../../event-store/event-store.port';
import { ProjectionSink } from '../projection-sink';
import { replayInto } from './replay-into';

const event = (position: number): RecordedEvent => ({
  id: `e${position}`,
  streamId: `S-${position % 7}`,
  revision: 0,
  position,
  type: 'Noise',
  data: {},
  metadata: {},
  recordedAt: new Date(0),
});

const storeOf = (positions: number[]) => {
  const events = positions.map(event);
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    readAll: async (after: number, limit: number) => {
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      return events.filter((e) => e.position > after).slice(0, limit);
    },
    headPosition: async () => events[events.length - 1]?.position ?? 0,
  };
};

function recordingSink(extra: object = {}) {
  const applied: number[] = [];
  let checkpoint = 0;
  const sink = {
    name: 'recording',
    version: 1,
    storedVersion: async () => 1,
    recordVersion: async () => undefined,
    prepare: async () => undefined,
    checkpoint: async () => checkpoint,
    apply: async (events: readonly RecordedEvent[]) => {
      applied.push(...events.map((e) => e.position));
      checkpoint = events[events.length - 1].position;
    },
    reset: async () => undefined,
    close: async () => undefined,
    ...extra,
  } as ProjectionSink;
  return { sink, applied };
}

describe('replayInto', () => {
  it('applies every event once, in order, reading pages ahead, over dense positions', async () => {
    const positions = Array.from({ length: 1_000 }, (_, i) => i + 1);
    const store = storeOf(positions);
    const { sink, applied } = recordingSink();
    expect(await replayInto(store, sink, { batchSize: 64 })).toBe(1_000);
    expect(applied).toEqual(positions);
    expect(store.reads).toBeLessThanOrEqual(Math.ceil(1_000 / 64) + 1);
  });

  it('reads a page again when the one before it did not end where a dense log would', async () => {
    const positions = Array.from({ length: 600 }, (_, i) => i + 1).filter((p) => p % 13 !== 0 && p % 50 !== 7);
    const { sink, applied } = recordingSink();
    expect(await replayInto(storeOf(positions), sink, { batchSize: 32 })).toBe(600);
    expect(applied).toEqual(positions);
  });

  it('starts a bulk load from zero, ends it once caught up, and abandons it when the replay fails', async () => {
    const calls: string[] = [];
    const bulk = {
      beginBulkLoad: async () => (calls.push('begin'), true),
      endBulkLoad: async () => void calls.push('end'),
      abandonBulkLoad: () => void calls.push('abandon'),
    };
    const { sink } = recordingSink(bulk);
    await replayInto(storeOf([1, 2, 3]), sink);
    expect(calls).toEqual(['begin', 'end']);
    // From a checkpoint the store is not empty: no bulk load.
    await replayInto(storeOf([1, 2, 3, 4]), sink);
    expect(calls).toEqual(['begin', 'end']);

    const failing = recordingSink({ ...bulk, apply: async () => Promise.reject(new Error('down')) });
    await expect(replayInto(storeOf([1, 2]), failing.sink)).rejects.toThrow('down');
    expect(calls).toEqual(['begin', 'end', 'begin', 'abandon']);
  });
});
