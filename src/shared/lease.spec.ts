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
    const lease = new Lease(counting, 'quarter', 'me', 400);
    asked = 0;
    expect(await lease.acquire()).toBe(true);
    expect(await lease.acquire()).toBe(true);
    expect(asked).toBe(1);
    await sleep(120);
    expect(await lease.acquire()).toBe(true);
    expect(asked).toBe(2);
  });

  it('keeps another holder out while it renews, and lets it in once the lease lapses', async () => {
    const mine = new Lease(counting, 'contested', 'me', 300);
    const theirs = new Lease(counting, 'contested', 'them', 300);
    expect(await mine.acquire()).toBe(true);
    for (let i = 0; i < 5; i++) {
      await sleep(100);
      expect(await mine.acquire()).toBe(true);
      expect(await theirs.acquire()).toBe(false);
    }
    await sleep(350);
    expect(await theirs.acquire()).toBe(true);
  });
});
