import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../event-store/sql-client';

/**
 * The identity of one event log, made once when its database is. Positions
 * are only meaningful within one log: a topic that still holds messages of
 * an earlier database (recreated, restored, or a second deployment on the
 * same topic) would otherwise feed a consumer positions that belong to
 * other events, and skipping "already seen" positions would then lose real
 * ones. The relay stamps every message with this id; consumers drop the rest.
 */
export async function logIdentity(sql: SqlExecutor): Promise<string> {
  // The table is SCHEMA_SQL's; the first instance to ask makes the id, the others read it.
  await sql.query('INSERT INTO log_identity (id) VALUES ($1) ON CONFLICT (singleton) DO NOTHING', [randomUUID()]);
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM log_identity');
  return rows[0].id;
}
