import { Pool } from 'pg';
import { SqlClient } from './sql-client';

export async function openPostgresClient(connectionString: string, poolSize = 10): Promise<SqlClient> {
  const pool = new Pool({ connectionString, max: poolSize });
  // An idle connection the server ends (a restart, a forced drop) is discarded by the pool and replaced on
  // demand; without a listener its 'error' event would crash the process.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  return {
    kind: 'postgres',
    query: (sql, params) => pool.query(sql, params) as never,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (sql, params) => client.query(sql, params) as never });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      const client = await pool.connect();
      // The same for the listening connection: the subscription's idle poll still finds new events.
      client.on('error', () => undefined);
      client.on('notification', onNotify);
      await client.query(`LISTEN ${channel}`);
      return async () => {
        client.off('notification', onNotify);
        await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
        client.release();
      };
    },
    close: () => pool.end(),
  };
}
