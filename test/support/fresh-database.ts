import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';

/**
 * A PostgreSQL database nobody else uses, on the server `serverUrl` names,
 * for tests that need an empty event store (an import, a store of their own).
 */
export async function freshDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new PgClient({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
