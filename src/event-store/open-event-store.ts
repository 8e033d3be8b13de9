import { SqlEventStore } from './sql-event-store';
import { openPgliteWorkerClient } from './pglite-worker/pglite-worker.client';
import { openPostgresClient } from './postgres.client';
import { Upcasters } from './upcasting/upcasters';
import type { EventStore, EventStoreAdmin } from './event-store.port';
import type { Coordination } from './coordination/coordination.port';
import { SqlCoordination } from './coordination/sql-coordination';
import { applySchema } from './schema.sql';
import type { KurrentDbEventStore } from './kurrentdb/kurrentdb.event-store';

export type EventStoreConfig =
  | { readonly kind: 'pglite'; readonly dataDir?: string }
  | { readonly kind: 'postgres'; readonly url: string }
  /** The log on KurrentDB (`url`), coordination in PostgreSQL (`coordinationUrl`). */
  | { readonly kind: 'kurrentdb'; readonly url: string; readonly coordinationUrl: string };

/**
 * The event store `config` names, with its admin side; coordinationOf gives
 * what else lives beside it. `upcasters` defaults to this build's schemas
 * (EVENT_UPCASTERS); tests pass their own.
 */
export async function openEventStore(config: EventStoreConfig, upcasters?: Upcasters): Promise<EventStoreAdmin> {
  if (config.kind === 'kurrentdb') return openKurrentDb(config.url, config.coordinationUrl, { upcasters });
  const client =
    config.kind === 'pglite' ? await openPgliteWorkerClient(config.dataDir) : await openPostgresClient(config.url);
  return SqlEventStore.open(client, upcasters);
}

/**
 * KurrentDB has no leases, no transactions across keys and no
 * compare-and-set on a row, which leases, idempotency replies, checkpoints
 * and generations need: they live in PostgreSQL, whose client the store
 * owns. The SQL schema is the SQL stores' (its `events` table stays empty).
 */
export async function openKurrentDb(
  url: string,
  coordinationUrl: string,
  options: { readonly upcasters?: Upcasters; readonly streamPrefix?: string } = {},
): Promise<KurrentDbEventStore> {
  const sql = await openPostgresClient(coordinationUrl);
  try {
    await applySchema(sql);
    // Loaded on demand: the client's native bridge costs every other profile (and test) half a second.
    const { KurrentDbEventStore } = await import('./kurrentdb/kurrentdb.event-store');
    return await KurrentDbEventStore.open(url, { ...options, coordinationSql: sql });
  } catch (error) {
    await sql.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The coordination state kept beside `store`, a store openEventStore opened
 * (in its own database, or PostgreSQL beside KurrentDB, on its connection:
 * closing the store ends both).
 */
export function coordinationOf(store: EventStore): Coordination {
  if (store instanceof SqlEventStore) return new SqlCoordination(store.client);
  // Structurally, so that the KurrentDB client is not loaded to ask.
  const beside = (store as Partial<Pick<KurrentDbEventStore, 'coordinationSql'>>).coordinationSql;
  if (beside) return new SqlCoordination(beside);
  throw new TypeError('no coordination is known for this event store: open it with openEventStore');
}
