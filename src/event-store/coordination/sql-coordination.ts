import { randomUUID } from 'node:crypto';
import type { SqlClient, SqlExecutor } from '../sql-client';
import type { Coordination, Leases } from './coordination.port';
import { SqlCheckpoints } from './sql-checkpoints';
import { SqlGenerations } from './sql-generations';
import { SqlIdempotencyReplies } from './sql-idempotency-replies';

/**
 * Coordination in the event store's own database, on PGlite or PostgreSQL
 * alike: the tables are SCHEMA_SQL's (created when the store opens), and
 * every statement is one that racing instances cannot get wrong (an upsert
 * with a condition, a row lock inside a transaction).
 */
export class SqlCoordination implements Coordination {
  readonly leases: Leases;
  readonly idempotency: SqlIdempotencyReplies;
  readonly checkpoints: SqlCheckpoints;
  readonly generations: SqlGenerations;

  constructor(private readonly sql: SqlClient) {
    this.leases = new SqlLeases(sql);
    this.idempotency = new SqlIdempotencyReplies(sql);
    this.checkpoints = new SqlCheckpoints(sql);
    this.generations = new SqlGenerations(sql);
  }

  async logIdentity(): Promise<string> {
    await this.sql.query('INSERT INTO log_identity (id) VALUES ($1) ON CONFLICT (singleton) DO NOTHING', [
      randomUUID(),
    ]);
    const { rows } = await this.sql.query<{ id: string }>('SELECT id FROM log_identity');
    return rows[0].id;
  }
}

/** Leases as rows of table leases: a claim is one upsert that only a live other holder's row refuses. */
export class SqlLeases implements Leases {
  constructor(private readonly sql: SqlExecutor) {}

  async claim(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const { rows } = await this.sql.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
       RETURNING holder`,
      [name, holder, ttlMs],
    );
    return rows.length === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.sql.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }
}
