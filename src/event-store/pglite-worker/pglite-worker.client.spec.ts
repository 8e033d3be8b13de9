import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlClient } from '../sql-client';
import { openPgliteWorkerClient } from './pglite-worker.client';

describe('PGlite on a worker thread', () => {
  let dataDir: string;
  let client: SqlClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pglite-worker-'));
    client = await openPgliteWorkerClient(dataDir);
    await client.query('CREATE TABLE things (id int PRIMARY KEY, body jsonb, at timestamptz)');
  });

  afterAll(() => client.close());

  it('answers queries with their rows, values typed as in process (json, timestamps)', async () => {
    await client.query('INSERT INTO things VALUES ($1, $2::jsonb, $3)', [
      1,
      JSON.stringify({ a: [1] }),
      '2027-01-01T00:00:00Z',
    ]);
    const { rows } = await client.query<{ id: number; body: unknown; at: Date }>('SELECT * FROM things WHERE id = 1');
    expect(rows).toEqual([{ id: 1, body: { a: [1] }, at: new Date('2027-01-01T00:00:00Z') }]);
  });

  it('passes a database error back with its SQLSTATE, so a unique violation is still recognisable', async () => {
    await expect(client.query('INSERT INTO things (id) VALUES (1)')).rejects.toMatchObject({ code: '23505' });
  });

  it('commits a transaction as a whole, and rolls all of it back when its function throws', async () => {
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO things (id) VALUES ($1)', [2]);
      await tx.query('INSERT INTO things (id) VALUES ($1)', [3]);
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query('INSERT INTO things (id) VALUES ($1)', [4]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(
      client.transaction(async (tx) => {
        await tx.query('INSERT INTO things (id) VALUES ($1)', [5]);
        await tx.query('INSERT INTO things (id) VALUES ($1)', [2]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await client.query<{ id: number }>('SELECT id FROM things WHERE id > 1 ORDER BY id');
    expect(rows.map((row) => row.id)).toEqual([2, 3]);
  });

  it('keeps statements from outside a transaction out of it until it ends', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = client.transaction(async (tx) => {
      await tx.query('INSERT INTO things (id) VALUES (10)');
      await held;
      throw new Error('roll back');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const outside = client.query<{ n: string }>('SELECT count(*)::text AS n FROM things WHERE id = 10');
    release();
    await expect(transaction).rejects.toThrow('roll back');
    expect((await outside).rows).toEqual([{ n: '0' }]);
  });

  it('flushes the write-ahead log to disk on request', async () => {
    await expect(client.flush!()).resolves.toBeUndefined();
  });

  it('holds DATA_DIR for this process: a second open is refused while the first is open', async () => {
    await expect(openPgliteWorkerClient(dataDir)).rejects.toThrow(/already open/);
  });

  it('reopens the same data after a close, and a closed client refuses further statements', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pglite-worker-reopen-'));
    const first = await openPgliteWorkerClient(dir);
    await first.query('CREATE TABLE kept (n int)');
    await first.query('INSERT INTO kept VALUES (7)');
    await first.close();
    await expect(first.query('SELECT 1')).rejects.toThrow(/closed/);
    const second = await openPgliteWorkerClient(dir);
    expect((await second.query('SELECT n FROM kept')).rows).toEqual([{ n: 7 }]);
    await second.close();
  });
});
