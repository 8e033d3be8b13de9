import type { SqlClient } from '../../event-store/sql-client';
import { SqlCoordination } from '../../event-store/coordination/sql-coordination';
import { openMigratedPglite } from '../testing/edge-test-app';
import { IdempotencyStore } from './idempotency.store';

describe('IdempotencyStore', () => {
  let sql: SqlClient;
  let store: IdempotencyStore;
  beforeAll(async () => {
    sql = await openMigratedPglite();
  });
  beforeEach(async () => {
    await sql.query('DELETE FROM idempotency_keys');
    store = new IdempotencyStore(new SqlCoordination(sql));
  });
  afterAll(() => sql.close());

  const age = (key: string, interval: string) =>
    sql.query(`UPDATE idempotency_keys SET created_at = now() - interval '${interval}' WHERE key = $1`, [key]);

  it('claims a new key once; a repeat is in progress until completed, then replays', async () => {
    expect(await store.begin('u1:POST /x', 'k', 'h1')).toBe('new');
    expect(await store.begin('u1:POST /x', 'k', 'h1')).toBe('in-progress');
    await store.complete('u1:POST /x', 'k', {
      status: 201,
      body: '{"b":1,"a":2}',
      headers: { 'x-event-position': '7' },
    });
    expect(await store.begin('u1:POST /x', 'k', 'h1')).toEqual({
      replay: { status: 201, body: '{"b":1,"a":2}', headers: { 'x-event-position': '7' } },
    });
  });

  it('reports a different request under the same key as a mismatch, in progress or done', async () => {
    await store.begin('s', 'k', 'h1');
    expect(await store.begin('s', 'k', 'h2')).toBe('mismatch');
    await store.complete('s', 'k', { status: 200, body: null, headers: {} });
    expect(await store.begin('s', 'k', 'h2')).toBe('mismatch');
  });

  it('keeps scopes apart', async () => {
    expect(await store.begin('u1:POST /x', 'k', 'h')).toBe('new');
    expect(await store.begin('u2:POST /x', 'k', 'h')).toBe('new');
  });

  it('lets a retry run again after abandon', async () => {
    await store.begin('s', 'k', 'h');
    await store.abandon('s', 'k');
    expect(await store.begin('s', 'k', 'h')).toBe('new');
  });

  it('takes over a key left unfinished for over 30 s, but only for the same request', async () => {
    await store.begin('s', 'k', 'h');
    await age('k', '10 seconds');
    expect(await store.begin('s', 'k', 'h')).toBe('in-progress');
    await age('k', '31 seconds');
    expect(await store.begin('s', 'k', 'h2')).toBe('mismatch');
    expect(await store.begin('s', 'k', 'h')).toBe('new');
    expect(await store.begin('s', 'k', 'h')).toBe('in-progress');
  });

  it('forgets answers after 24 h', async () => {
    await store.begin('s', 'k', 'h');
    await store.complete('s', 'k', { status: 201, body: '{}', headers: {} });
    await age('k', '23 hours');
    expect(await store.begin('s', 'k', 'h2')).toBe('mismatch');
    await age('k', '25 hours');
    expect(await store.begin('s', 'k', 'h2')).toBe('new');
  });

  it('lets exactly one of many concurrent requests claim a key', async () => {
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.begin('s', 'k', 'h')));
    expect(outcomes.filter((o) => o === 'new')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'in-progress')).toHaveLength(7);
  });

  it('keeps the first answer when a slow original and a takeover both complete', async () => {
    await store.begin('s', 'k', 'h');
    await store.complete('s', 'k', { status: 201, body: '"first"', headers: {} });
    await store.complete('s', 'k', { status: 201, body: '"second"', headers: {} });
    expect(await store.begin('s', 'k', 'h')).toEqual({ replay: { status: 201, body: '"first"', headers: {} } });
  });

  it('purges expired keys only', async () => {
    await store.begin('s', 'old', 'h');
    await store.begin('s', 'new', 'h');
    await age('old', '25 hours');
    expect(await store.purgeExpired()).toBe(1);
    expect(await store.begin('s', 'new', 'h')).toBe('in-progress');
  });
});
