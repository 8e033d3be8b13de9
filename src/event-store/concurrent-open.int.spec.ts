import { randomUUID } from 'node:crypto';
import { describeWithService } from '../../test/support/services';
import { freshDatabase } from '../../test/support/fresh-database';
import { openEventStore } from './open-event-store';
import { SqlEventStore } from './sql-event-store';

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
        await expectTablesUsable(stores[stores.length - 1]);
      } finally {
        for (const store of stores) await store.close();
        await database.drop();
      }
    }
  });
});

/** Every table the schema makes answers a query. */
async function expectTablesUsable(store: SqlEventStore): Promise<void> {
  for (const table of [
    'events',
    'idempotency_keys',
    'leases',
    'relay_checkpoints',
    'read_model_generations',
    'log_identity',
  ]) {
    const { rows } = await store.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    expect(rows[0].n).toBeGreaterThanOrEqual(0);
  }
}
