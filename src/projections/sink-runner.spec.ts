import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { coordinationOf, openEventStore } from '../event-store/open-event-store';
import { Lease } from '../shared/lease';
import { ProjectionSink } from './projection-sink';
import { SinkRunner } from './sink-runner';

/** A sink that records what it stores and can be switched off like a store that went down. */
class SwitchableSink implements ProjectionSink {
  readonly name = 'switchable';
  version = 1;
  recorded: number | undefined = 1;
  resets = 0;
  down = false;
  stored: number[] = [];
  checkpointAt = 0;

  async prepare(): Promise<void> {
    if (this.down) throw new Error('connection refused');
  }
  async checkpoint(): Promise<number> {
    if (this.down) throw new Error('connection refused');
    return this.checkpointAt;
  }
  async apply(events: readonly RecordedEvent[]): Promise<void> {
    if (this.down) throw new Error('connection refused');
    this.stored.push(...events.map((e) => e.position));
    this.checkpointAt = events[events.length - 1].position;
  }
  async storedVersion(): Promise<number | undefined> {
    return this.recorded;
  }
  async recordVersion(): Promise<void> {
    this.recorded = this.version;
  }
  async reset(): Promise<void> {
    this.resets += 1;
    this.stored = [];
    this.checkpointAt = 0;
  }
  async close(): Promise<void> {}
}

const event = (n: number) => ({ id: crypto.randomUUID(), type: 'Happened', data: { n } });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
};

describe('SinkRunner', () => {
  let store: EventStore;
  let sink: SwitchableSink;
  let runner: SinkRunner;

  let base: number;
  let streams = 0;
  const append = (...events: ReturnType<typeof event>[]) => store.append(`S-${++streams}`, events, 'no_stream');

  beforeAll(async () => {
    store = await openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'sink-')) });
  });
  beforeEach(async () => {
    base = await store.headPosition();
    sink = new SwitchableSink();
    sink.checkpointAt = base;
  });
  afterEach(() => runner.stop());
  afterAll(() => store.close());

  it('resumes from the checkpoint the store holds, not from zero', async () => {
    for (let i = 1; i <= 5; i++) await append(event(i));
    sink.checkpointAt = base + 3;
    runner = new SinkRunner(store, sink);
    await runner.start();
    expect(sink.stored).toEqual([base + 4, base + 5]);
    expect(runner.position).toBe(base + 5);
  });

  it('keeps retrying a batch while the store is down, then lands every event once, in order', async () => {
    runner = new SinkRunner(store, sink);
    await runner.start();
    sink.down = true;
    for (let i = 1; i <= 3; i++) await append(event(i));
    await until(() => runner.failing);
    // Nobody waits on a store that is down: read-your-writes answers at once.
    await expect(runner.waitFor(base + 3, 5_000)).resolves.toBe(false);
    sink.down = false;
    await until(() => runner.position === base + 3);
    expect(runner.failing).toBe(false);
    expect(sink.stored).toEqual([base + 1, base + 2, base + 3]);
  });

  it('does not hold the service back when the store is down at start', async () => {
    sink.down = true;
    runner = new SinkRunner(store, sink);
    await runner.start();
    expect(runner.failing).toBe(true);
    await append(event(1));
    sink.down = false;
    await until(() => runner.position === base + 1);
  });

  it('rebuilds a store another version of its sink wrote, from the start of the log', async () => {
    await append(event(1));
    sink.checkpointAt = base + 1;
    sink.version = 2;
    runner = new SinkRunner(store, sink);
    await runner.start();
    expect(sink.resets).toBe(1);
    expect(sink.recorded).toBe(2);
    expect(sink.stored).toEqual(Array.from({ length: base + 1 }, (_, i) => i + 1));
  });

  it('keeps applying to a store another version wrote when told to (a rebuild beside it replaces it)', async () => {
    await append(event(1));
    sink.version = 2;
    runner = new SinkRunner(store, sink, { otherVersion: 'keep' });
    await runner.start();
    await append(event(2));
    await until(() => runner.position === base + 2);
    expect(sink.resets).toBe(0);
    expect(sink.recorded).toBe(1);
    expect(sink.stored).toEqual([base + 1, base + 2]);
  });

  it('resolves waiters once their position is applied', async () => {
    runner = new SinkRunner(store, sink);
    await runner.start();
    const waiting = runner.waitFor(base + 2, 5_000);
    await append(event(1), event(2));
    await expect(waiting).resolves.toBe(true);
    await expect(runner.waitFor(base + 9, 50)).resolves.toBe(false);
  });

  it('writes only what the store does not have yet when another instance is ahead', async () => {
    runner = new SinkRunner(store, sink);
    await runner.start();
    const ahead = await store.headPosition();
    sink.checkpointAt = ahead + 2; // another instance stored the next two events already
    await append(event(1), event(2), event(3));
    await until(() => runner.position === ahead + 3);
    expect(sink.stored).toEqual([ahead + 3]);
  });

  it('replays from what the store still has when it comes back empty', async () => {
    runner = new SinkRunner(store, sink);
    await runner.start();
    await append(event(1), event(2));
    await until(() => runner.position === base + 2);
    // The store restarts without its data.
    sink.stored = [];
    sink.checkpointAt = 0;
    await append(event(3));
    await until(() => runner.position === base + 3 && sink.stored.length === base + 3);
    expect(sink.stored).toEqual(Array.from({ length: base + 3 }, (_, i) => i + 1));
  });
});

describe('SinkRunner with a lease: one writer, the others follow', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'sink-lease-')) });
  });
  afterAll(() => store.close());

  const runnerOn = (sink: ProjectionSink, holder: string) =>
    new SinkRunner(store, sink, {
      lease: new Lease(coordinationOf(store).leases, 'read-model:test', holder, 3_000),
      followMs: 20,
      electMs: 100,
    });

  it('writes each event once across two instances; the follower tracks the writer and takes over when it stops', async () => {
    const shared = new SwitchableSink();
    const a = runnerOn(shared, 'a');
    const b = runnerOn(shared, 'b');
    await a.start();
    await b.start();
    expect([a.role, b.role]).toEqual(['writer', 'follower']);
    await store.append('L-1', [event(1), event(2)], 'no_stream');
    await expect(b.waitFor(2, 5_000)).resolves.toBe(true);
    expect(shared.stored).toEqual([1, 2]);

    await a.stop(); // releases the lease
    await until(() => b.role === 'writer');
    await store.append('L-2', [event(3)], 'no_stream');
    await until(() => b.position === 3);
    expect(shared.stored).toEqual([1, 2, 3]);
    await b.stop();
  });

  it('a follower reports the store down while it cannot read the checkpoint', async () => {
    const shared = new SwitchableSink();
    const a = runnerOn(shared, 'a2');
    const b = runnerOn(shared, 'b2');
    await a.start();
    await b.start();
    shared.down = true;
    await until(() => b.failing);
    shared.down = false;
    await until(() => !b.failing);
    await a.stop();
    await b.stop();
  });
});
