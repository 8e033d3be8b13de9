import { Pool } from 'pg';
import { SqlClient } from './sql-client';

export async function openPostgresClient(connectionString: string, poolSize = 10): Promise<SqlClient> {
  const pool = new Pool({ connectionString, max: poolSize });
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
