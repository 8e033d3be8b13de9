import { SqlLeases } from '../event-store/coordination/sql-coordination';
import { SCHEMA_SQL } from '../event-store/schema.sql';
import { openPgliteClient } from '../event-store/pglite.client';
import { SqlClient } from '../event-store/sql-client';
import { LeaderLoop } from './leader-loop';
import { Lease } from './lease';

describe('LeaderLoop', () => {
  let sql: SqlClient;
  let leases: SqlLeases;
  beforeAll(async () => {
    sql = await openPgliteClient(undefined);
    await sql.query(SCHEMA_SQL);
    leases = new SqlLeases(sql);
  });
  afterAll(() => sql.close());

  const loopOf = (name: string, holder: string, round: () => Promise<void>, lost = jest.fn()) =>
    new LeaderLoop(new Lease(leases, name, holder, 60_000), 60_000, round, lost, 'test');

  it('runs a round only while it holds the lease; the other holder is told it lost', async () => {
    const rounds: string[] = [];
    const lost = jest.fn();
    const a = loopOf('l1', 'a', async () => void rounds.push('a'));
    const b = loopOf('l1', 'b', async () => void rounds.push('b'), lost);
    await a.tick();
    await b.tick();
    expect(rounds).toEqual(['a']);
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(lost).toHaveBeenCalledTimes(1);
    await a.stop();
    await b.tick();
    expect(rounds).toEqual(['a', 'b']);
    await b.stop();
  });

  it('never overlaps rounds: a tick during one asks for exactly one more after it', async () => {
    let release!: () => void;
    let running = 0;
    let most = 0;
    let count = 0;
    const loop = loopOf('l2', 'a', async () => {
      count += 1;
      running += 1;
      most = Math.max(most, running);
      if (count === 1) await new Promise<void>((resolve) => (release = resolve));
      running -= 1;
    });
    const first = loop.tick();
    await new Promise((resolve) => setImmediate(resolve));
    void loop.tick();
    void loop.tick();
    release();
    await first;
    await loop.tick();
    expect(most).toBe(1);
    expect(count).toBe(3);
    await loop.stop();
  });

  it('forgets its work after a failed round, and a halted loop is no longer the leader though its lease lives', async () => {
    const lost = jest.fn();
    const loop = loopOf('l3', 'a', () => Promise.reject(new Error('boom')), lost);
    await loop.tick();
    expect(lost).toHaveBeenCalledTimes(1);
    expect(loop.isLeader).toBe(true);
    loop.halt();
    expect(loop.isLeader).toBe(false);
    await loop.tick();
    expect(lost).toHaveBeenCalledTimes(1);
    // Nobody else can lead until the halted holder's lease expires, as after a crash.
    const other = loopOf('l3', 'b', async () => undefined);
    await other.tick();
    expect(other.isLeader).toBe(false);
  });
});
