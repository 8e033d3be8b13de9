import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '../../event-store/event-store.port';
import type { EventStoreAdmin } from '../../event-store/event-store.port';
import { Lease } from '../../shared/lease';
import { ProjectionSink, StoreVersion } from '../projection-sink';
import { SinkRunner } from '../sink-runner';
import { coordinationOf, openEventStore } from '../../event-store/open-event-store';
import { LiveStore } from './live-store';
import { rebuildIfOutdated } from './rebuild-store';
import { StoreVariants } from './store-variants';
import { storeVersion } from './store-version';

/** One generation of a store: which version wrote each position, and how often it was wiped. */
class Stored {
  version: StoreVersion | undefined;
  checkpoint = 0;
  writtenBy = new Map<number, StoreVersion>();
  resets = 0;
}

/** A sink of one deployment (its projections' versions) writing one generation. */
class VersionedSink implements ProjectionSink {
  readonly name = 'things';
  constructor(
    private readonly stored: Stored,
    readonly version: StoreVersion,
  ) {}
  async prepare(): Promise<void> {}
  async storedVersion(): Promise<StoreVersion | undefined> {
    return this.stored.version;
  }
  async recordVersion(): Promise<void> {
    this.stored.version = this.version;
  }
  async checkpoint(): Promise<number> {
    return this.stored.checkpoint;
  }
  async apply(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) this.stored.writtenBy.set(event.position, this.version);
    this.stored.checkpoint = Math.max(this.stored.checkpoint, events[events.length - 1].position);
  }
  async reset(): Promise<void> {
    this.stored.resets += 1;
    this.stored.writtenBy.clear();
    this.stored.checkpoint = 0;
  }
  async close(): Promise<void> {}
}

const things = (version: number) => storeVersion(1, [{ name: 'things', version }]);
const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
};

describe('LiveStore: a projection version bump rebuilds the store blue/green', () => {
  let store: EventStoreAdmin;
  const generations = new Map<string, Stored>();
  const variantsOf = (version: StoreVersion): StoreVariants<Stored> => {
    const at = (variant: string) => {
      if (!generations.has(variant)) generations.set(variant, new Stored());
      return generations.get(variant)!;
    };
    return {
      name: 'things',
      target: 'memory#things',
      label: (variant) => `memory#things${variant}`,
      sink: (variant) => new VersionedSink(at(variant), version),
      reads: (variant) => at(variant),
      dump: async () => new Map(),
      drop: async (variant) => void generations.delete(variant),
    };
  };
  /** Stopped after the test even when it fails half-way (a running store keeps jest from exiting). */
  const opened: LiveStore<unknown>[] = [];
  const liveStore = (version: StoreVersion, onNewer = jest.fn()) => {
    const variants = variantsOf(version);
    const recorded = coordinationOf(store).generations;
    const live = new LiveStore(variants, recorded, (sink) => new SinkRunner(store, sink, { otherVersion: 'keep' }), {
      rebuildIfOutdated: (signal) =>
        rebuildIfOutdated(
          variants,
          { store, generations: recorded },
          (name, holder, ttl) => new Lease(coordinationOf(store).leases, name, holder, ttl),
          { signal, dropOldAfterMs: 50 },
        ),
      onNewer,
    });
    opened.push(live);
    return live;
  };
  const append = (n: number) =>
    store.append(`Thing-${n}`, [{ id: crypto.randomUUID(), type: 'ThingHappened', data: { n } }], 'no_stream');

  beforeAll(async () => {
    store = await openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'live-store-')) });
  });
  afterAll(async () => {
    for (const live of opened) await live.stop();
    await store.close();
  });

  it('serves the old generation meanwhile, never wipes it, and switches to one built by the new version', async () => {
    for (let n = 1; n <= 5; n++) await append(n);
    const first = liveStore(things(1));
    await first.start();
    await first.upgraded;
    expect(first.generation).toBe(0);
    expect(generations.get('')).toMatchObject({ version: things(1), checkpoint: 5, resets: 0 });
    await first.stop();

    // The deployment bumps the projection: the live generation was built with version 1.
    const second = liveStore(things(2));
    await second.start();
    expect(second.generation).toBe(0);
    expect(second.reads).toBe(generations.get(''));
    await append(6); // still applied to the live generation while the new one is built
    await second.upgraded;
    await until(() => second.generation === 1);
    const rebuilt = second.reads;
    expect(rebuilt.version).toBe(things(2));
    expect([...rebuilt.writtenBy.values()].every((v) => v === things(2))).toBe(true);
    await until(() => !generations.has('')); // the old generation is dropped once the switch is done
    await append(7);
    await until(() => rebuilt.checkpoint === 7);
    await second.stop();

    // Started again on the same version: current, nothing rebuilt.
    const again = liveStore(things(2));
    await again.start();
    await again.upgraded;
    expect(again.generation).toBe(1);
    await again.stop();

    // An old instance of a rolling upgrade leaves the newer generation alone.
    const onNewer = jest.fn();
    const old = liveStore(things(1), onNewer);
    await old.start();
    await old.upgraded;
    expect(old.generation).toBe(1);
    expect(onNewer).toHaveBeenCalledWith(1, things(1));
    expect(rebuilt.version).toBe(things(2));
    expect(rebuilt.resets).toBe(0);
    await old.stop();
  }, 30_000);
});
