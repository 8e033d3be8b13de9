import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { SqlClient } from './sql-client';

/** PGlite keeps the whole database in this process, so nobody else can append and LISTEN is not needed. */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = dataDir ? new PGlite(dataDir) : new PGlite();
  await db.waitReady;
  return {
    kind: 'pglite',
    query: async (sql, params) => {
      if (params === undefined) {
        const results = await db.exec(sql);
        return { rows: (results[results.length - 1]?.rows ?? []) as never[] };
      }
      return db.query(sql, params) as never;
    },
    transaction: (fn) => db.transaction((tx) => fn({ query: (sql, params) => tx.query(sql, params) as never })),
    listen: async () => async () => undefined,
    close: () => db.close(),
  };
}
