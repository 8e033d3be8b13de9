import { randomUUID } from 'node:crypto';
import { describeWithService } from '../../test/support/services';
import { freshDatabase } from '../../test/support/fresh-database';
import type { Coordination } from './coordination/coordination.port';
import { coordinationOf, openEventStore } from './open-event-store';

const INSTANCES = 6;
const ROUNDS = 3;

/**
 * Several production instances starting at once on an empty database all
 * create the schema: CREATE ... IF NOT EXISTS racing itself in PostgreSQL
 * fails with a duplicate key in pg_type or pg_class unless they take turns.
 */
describeWithService('DATABASE_URL', 'PostgreSQL event store opened by many instances at once', (url) => {
  it(`opens ${INSTANCES} stores at once on an empty database, and they share one working schema`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const database = await freshDatabase(url);
      const opened = await Promise.allSettled(
        Array.from({ length: INSTANCES }, () => openEventStore({ kind: 'postgres', url: database.url })),
      );
      const stores = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      try {
        expect(
          opened.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
        ).toEqual([]);
        const streamId = `Test-${randomUUID()}`;
        const appended = await stores[0].append(
          streamId,
          [{ id: randomUUID(), type: 'Happened', data: {} }],
          'no_stream',
        );
        for (const store of stores) {
          expect((await store.readStream(streamId)).map((e) => e.position)).toEqual([appended.position]);
          expect(await store.headPosition()).toBe(1);
        }
        await expectCoordinationShared(stores.map(coordinationOf));
      } finally {
        for (const store of stores) await store.close();
        await database.drop();
      }
    }
  });
});

/** The other tables of the schema work too, and every instance sees the same rows. */
async function expectCoordinationShared(instances: Coordination[]): Promise<void> {
  const identities = await Promise.all(instances.map((c) => c.logIdentity()));
  expect(new Set(identities).size).toBe(1);
  const claims = await Promise.all(instances.map((c, i) => c.leases.claim('leader', `instance-${i}`, 5_000)));
  expect(claims.filter(Boolean)).toHaveLength(1);
  const replies = await Promise.all(instances.map((c) => c.idempotency.begin('scope', 'key', 'hash')));
  expect(replies.filter((r) => r === 'new')).toHaveLength(1);
  await Promise.all(instances.map((c, i) => c.checkpoints.save('mark', i + 1)));
  expect(await instances[0].checkpoints.load('mark')).toBe(instances.length);
  const rebuilds = await Promise.all(instances.map((c) => c.generations.beginRebuild('target')));
  expect(new Set(rebuilds.map((r) => r.generation))).toEqual(new Set([1]));
}
