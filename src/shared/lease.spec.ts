import { openPgliteClient } from '../event-store/pglite.client';
import { SCHEMA_SQL } from '../event-store/schema.sql';
import { SqlClient } from '../event-store/sql-client';
import { SqlLeases } from '../event-store/coordination/sql-coordination';
import { Lease } from './lease';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Lease', () => {
  let sql: SqlClient;
  let asked = 0;
  // Leases on PGlite, counting the statements they send.
  const counting = new SqlLeases({
    query: (text, params) => {
      asked += 1;
      return sql.query(text, params);
    },
  });

  beforeAll(async () => {
    sql = await openPgliteClient(undefined);
    await sql.query(SCHEMA_SQL);
  });
  afterAll(() => sql.close());

  it('answers a renewal inside a quarter of the TTL without the database, and renews after it', async () => {
    // A quarter of 8 s: no loaded machine takes that between two calls, so the second never asks.
    const lease = new Lease(counting, 'quarter', 'me', 8_000);
    asked = 0;
    expect(await lease.acquire()).toBe(true);
    expect(await lease.acquire()).toBe(true);
    expect(asked).toBe(1);
    await sleep(2_100);
    expect(await lease.acquire()).toBe(true);
    expect(asked).toBe(2);
  });

  it('keeps another holder out while it holds and renews, whatever the timing', async () => {
    // A TTL no loaded machine outlasts: the refusal does not depend on how fast this test runs.
    const mine = new Lease(counting, 'contested', 'me', 60_000);
    const theirs = new Lease(counting, 'contested', 'them', 60_000);
    expect(await mine.acquire()).toBe(true);
    expect(await theirs.acquire()).toBe(false);
    // A renewal by a fresh handle of the same holder asks the database, and still keeps them out.
    expect(await new Lease(counting, 'contested', 'me', 60_000).acquire()).toBe(true);
    expect(await theirs.acquire()).toBe(false);
  });

  it('lets another holder in once the lease lapses', async () => {
    const mine = new Lease(counting, 'lapsing', 'me', 200);
    const theirs = new Lease(counting, 'lapsing', 'them', 200);
    expect(await mine.acquire()).toBe(true);
    // Only ever later than the TTL, so a slow machine cannot make this early.
    await sleep(400);
    expect(await theirs.acquire()).toBe(true);
    expect(mine.isHeld).toBe(true);
    expect(await new Lease(counting, 'lapsing', 'me', 200).acquire()).toBe(false);
  });
});
