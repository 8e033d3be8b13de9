import { randomUUID } from 'node:crypto';
import { openPgliteClient } from './pglite.client';
import { SqlEventStore } from './sql-event-store';

const event = () => ({ id: randomUUID(), type: 'Happened', data: {} });

describe('acknowledging appends only once they are durable', () => {
  it('holds every append until the flush that covers it completes, and one flush serves a burst', async () => {
    const client = await openPgliteClient(undefined);
    const releases: (() => void)[] = [];
    const store = await SqlEventStore.open({
      ...client,
      flush: () => new Promise<void>((resolve) => releases.push(resolve)),
    });
    let acknowledged = 0;
    const appends = Array.from({ length: 20 }, (_, i) =>
      store.append(`Burst-${i}`, [event()], 'no_stream').then(() => (acknowledged += 1)),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(acknowledged).toBe(0);
    expect(releases.length).toBeGreaterThanOrEqual(1);
    expect(releases.length).toBeLessThan(20);
    while (acknowledged < 20) {
      releases.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(appends);
    expect(await store.headPosition()).toBe(20);
    await store.close();
  });

  it('rejects the appends of a batch whose flush fails, and a retry with the same ids is written once', async () => {
    const client = await openPgliteClient(undefined);
    let failNext = true;
    const store = await SqlEventStore.open({
      ...client,
      flush: async () => {
        if (failNext) {
          failNext = false;
          throw new Error('disk gone');
        }
      },
    });
    const events = [event()];
    await expect(store.append('Flaky-1', events, 'no_stream')).rejects.toThrow('disk gone');
    await expect(store.append('Flaky-1', events, 'no_stream')).resolves.toEqual({ nextRevision: 0, position: 1 });
    expect((await store.readStream('Flaky-1')).length).toBe(1);
    await store.close();
  });
});
