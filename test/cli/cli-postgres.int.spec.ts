import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEventStore } from '../../src/event-store/open-event-store';
import { ADMIN_KEY, startApp } from '../support/app';
import { eventStoreOf, removeDataDirs, tempDataDir } from '../support/e2e';
import { freshDatabase } from '../support/fresh-database';
import { purchaseFlowCheck } from '../support/purchase-flow';
import { describeWithService } from '../support/services';
import { cli, jsonLines, readModelFingerprint, startCli } from './cli-run';

/** The same tools with PostgreSQL as the store: moved from an embedded DATA_DIR, directly and through a service. */
describeWithService('DATABASE_URL', 'CLI on PostgreSQL', (serverUrl) => {
  let dataDir: string;
  let exported: string;
  let file: string;
  const databases: { drop(): Promise<void> }[] = [];
  const database = async () => {
    const fresh = await freshDatabase(serverUrl);
    databases.push(fresh);
    return fresh.url;
  };

  beforeAll(async () => {
    dataDir = tempDataDir();
    const running = await startApp({ DATA_DIR: dataDir });
    await purchaseFlowCheck(running.client);
    await running.close();
    exported = (await cli(['events:export'], { DATA_DIR: dataDir })).stdout;
    file = join(tempDataDir(), 'events.ndjson');
    writeFileSync(file, exported);
  }, 60_000);
  afterAll(async () => {
    for (const fresh of databases) await fresh.drop();
    removeDataDirs();
  });

  const fingerprintOf = async (config: Parameters<typeof openEventStore>[0]) => {
    const store = await openEventStore(config);
    try {
      return await readModelFingerprint(store);
    } finally {
      await store.close();
    }
  };

  it('imports an embedded export straight into an empty PostgreSQL store: same log, same read models', async () => {
    const url = await database();
    const run = await cli(['events:import', file], { DATABASE_URL: url });
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect((await cli(['events:export'], { DATABASE_URL: url })).stdout).toBe(exported);
    expect(await fingerprintOf({ kind: 'postgres', url })).toEqual(await fingerprintOf({ kind: 'pglite', dataDir }));
    const again = await cli(['events:import', file], { DATABASE_URL: url });
    expect(again.stderr).toMatch(
      /^error: the PostgreSQL store is not empty \(head position \d+\); import only into an empty store\n$/,
    );
    const stats = JSON.parse((await cli(['events:stats', '--json'], { DATABASE_URL: url })).stdout);
    expect(stats.events).toBe(jsonLines(exported).length);
  }, 60_000);

  it('imports through a service running on PostgreSQL, and follows its appends directly from the database', async () => {
    const url = await database();
    const running = await startApp({ DATABASE_URL: url });
    try {
      const run = await cli(['--url', running.url, '--admin-key', ADMIN_KEY, 'events:import', file]);
      expect(run.code).toBe(0);
      expect(await readModelFingerprint(eventStoreOf(running))).toEqual(
        await fingerprintOf({ kind: 'pglite', dataDir }),
      );

      // Several processes may open a PostgreSQL store, so the CLI can watch a running service's log directly.
      const tail = startCli(['events:tail', '--type', 'ConcertCreated'], { DATABASE_URL: url });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const created = await running.client.createConcert(2);
      const deadline = Date.now() + 10_000;
      while (!tail.output.stdout && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      tail.interrupt();
      expect(jsonLines((await tail.done).stdout).map((e) => e.streamId)).toEqual([`Concert-${created.concertId}`]);
    } finally {
      await running.close();
    }
  }, 60_000);
});
