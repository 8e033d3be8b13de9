import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithService } from '../../../test/support/services';
import type { EventStoreAdmin } from '../../event-store/event-store.port';
import type { Generations } from '../../event-store/coordination/coordination.port';
import { DocumentReads } from '../../read/stores/read-store.port';
import { Lease } from '../../shared/lease';
import { createMongoClient } from '../mongo/mongo-client';
import { DocumentProjections } from '../mongo/whole-documents';
import { Projection } from '../projection';
import { SinkRunner } from '../sink-runner';
import { WalletDoc, walletsProjection } from '../wallets.projection';
import { coordinationOf, openEventStore } from '../../event-store/open-event-store';
import { LiveStore } from './live-store';
import { rebuildIfOutdated } from './rebuild-store';
import { mongoDocumentVariants } from './store-variants';

/** The wallets read model, version 2: the same balance, and the type of the last event beside it. */
const walletsV2: Projection<WalletDoc & { lastEvent: string }> = {
  ...walletsProjection,
  version: 2,
  apply: (doc, event, id) => ({ ...walletsProjection.apply(doc, event, id)!, lastEvent: event.type }),
};

describeWithService('MONGODB_URL', 'MongoDB: a projection version bump rebuilds the store blue/green', (url) => {
  const base = `rtversion_${process.pid}_${Date.now().toString(36)}`;
  const named = new URL(url);
  named.pathname = `/${base}`;
  const mongo = createMongoClient(named.toString());
  let store: EventStoreAdmin;
  let generations: Generations;

  const charge = (userId: string, balance: number) =>
    store.append(
      `Wallet-${userId}`,
      [
        {
          id: crypto.randomUUID(),
          type: 'WalletCharged',
          data: { userId, chargeId: `c${balance}`, amount: 1, balance },
        },
      ],
      'any',
    );
  /** Stopped after the test even when it fails half-way (a running store keeps jest from exiting). */
  const opened: LiveStore<unknown>[] = [];
  const liveStore = (projections?: Partial<DocumentProjections>) => {
    const variants = mongoDocumentVariants(mongo, named.toString(), projections);
    const live = new LiveStore(variants, generations, (sink) => new SinkRunner(store, sink, { otherVersion: 'keep' }), {
      rebuildIfOutdated: (signal) =>
        rebuildIfOutdated(
          variants,
          { store, generations },
          (name, holder, ttl) => new Lease(coordinationOf(store).leases, name, holder, ttl),
          { signal, dropOldAfterMs: 2_000 },
        ),
    });
    opened.push(live);
    return live;
  };
  const databases = async () =>
    (await mongo.db().admin().listDatabases({ nameOnly: true })).databases
      .map((d) => d.name)
      .filter((name) => name === base || name.startsWith(`${base}_`));

  beforeAll(async () => {
    store = await openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'version-rebuild-')) });
    generations = coordinationOf(store).generations;
  });
  afterAll(async () => {
    for (const live of opened) await live.stop();
    for (const name of await databases().catch(() => [])) await mongo.db(name).dropDatabase();
    await mongo.close();
    await store.close();
  });

  it('builds the next generation with the new version beside the live one, which answers until the switch', async () => {
    for (let i = 1; i <= 30; i++) await charge(`u${i % 3}`, i * 10);
    const v1 = liveStore();
    await v1.start();
    await v1.upgraded;
    expect(v1.generation).toBe(0);
    expect(await v1.reads.walletBalance('u0')).toBe(300);
    await v1.stop();

    const v2 = liveStore({ wallets: walletsV2 as unknown as Projection });
    await v2.start();
    expect(v2.generation).toBe(0);
    // Every read until the switch and after it has an answer: the live generation is never emptied.
    const answers: (number | undefined)[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) answers.push(await (v2.reads as DocumentReads).walletBalance('u1'));
    })();
    await v2.upgraded;
    for (let i = 0; i < 100 && v2.generation !== 1; i++) await new Promise((r) => setTimeout(r, 50));
    reading = false;
    await reader;
    expect(v2.generation).toBe(1);
    expect(answers.length).toBeGreaterThan(0);
    expect([...new Set(answers)]).toEqual([280]);

    const rebuilt = mongo.db(`${base}_g1`);
    expect(await rebuilt.collection('wallets').findOne({ _id: 'u2' as never })).toMatchObject({
      userId: 'u2',
      balance: 290,
      lastEvent: 'WalletCharged',
    });
    const version = await rebuilt.collection('checkpoints').findOne({ _id: 'mongo-documents:version' as never });
    expect(version?.version).toMatch(/ wallets@2$/);
    for (let i = 0; i < 40 && (await databases()).includes(base); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await databases()).toEqual([`${base}_g1`]);

    // The new generation follows the log; started again on version 2, nothing is rebuilt.
    await charge('u1', 999);
    for (let i = 0; i < 100 && (await v2.reads.walletBalance('u1')) !== 999; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await v2.reads.walletBalance('u1')).toBe(999);
    await v2.stop();
    const again = liveStore({ wallets: walletsV2 as unknown as Projection });
    await again.start();
    await again.upgraded;
    expect(again.generation).toBe(1);
    await again.stop();
  }, 120_000);
});
