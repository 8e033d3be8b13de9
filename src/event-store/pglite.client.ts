import { closeSync, fdatasyncSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openLocked } from './data-dir-lock';
import { SqlClient } from './sql-client';

/** PGlite keeps the whole database in this process, so nobody else can append and LISTEN is not needed. */
export function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  return openLocked(dataDir, () => openUnlockedPgliteClient(dataDir));
}

/** The same, for a caller that made DATA_DIR and holds its lock itself (the worker's host, whose process holds it). */
export async function openUnlockedPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  const db = dataDir ? new PGlite(dataDir) : new PGlite();
  await db.waitReady;
  const wal = dataDir ? walSyncer(join(dataDir, 'pg_wal')) : undefined;
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
    flush: wal?.flush,
    close: async () => {
      wal?.close();
      await db.close();
    },
  };
}

/**
 * PGlite writes its WAL through Emscripten's file system, which never calls
 * fsync: a commit survives the process dying (kill -9) but not the machine.
 * After each group commit the newest WAL segments are fdatasync'ed, so an
 * acknowledged append is on disk. Two segments, because one batch may cross
 * a segment boundary. Synchronous on purpose: a data sync costs about 0.1 ms
 * here, less than the thread-pool round trips of the async calls.
 */
function walSyncer(walDir: string): { flush: () => Promise<void>; close: () => void } {
  const open = new Map<string, number>();
  const close = () => {
    for (const fd of open.values()) closeSync(fd);
    open.clear();
  };
  const flush = async () => {
    const segments = readdirSync(walDir)
      .filter((name) => /^[0-9A-F]{24}$/.test(name))
      .sort()
      .slice(-2);
    for (const [name, fd] of open) {
      if (!segments.includes(name)) {
        closeSync(fd);
        open.delete(name);
      }
    }
    for (const name of segments) {
      let fd = open.get(name);
      if (fd === undefined) {
        fd = openSync(join(walDir, name), 'r+');
        open.set(name, fd);
      }
      fdatasyncSync(fd);
    }
  };
  return { flush, close };
}
