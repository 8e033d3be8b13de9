import { SqlEventStore } from './sql-event-store';
import { openPgliteWorkerClient } from './pglite-worker/pglite-worker.client';
import { openPostgresClient } from './postgres.client';
import { Upcasters } from './upcasting/upcasters';
import type { EventStore, EventStoreAdmin } from './event-store.port';
import type { Coordination } from './coordination/coordination.port';
import { SqlCoordination } from './coordination/sql-coordination';

export type EventStoreConfig =
  { readonly kind: 'pglite'; readonly dataDir?: string } | { readonly kind: 'postgres'; readonly url: string };

/**
 * The event store `config` names, with its admin side; coordinationOf gives
 * what else lives beside it. `upcasters` defaults to this build's schemas
 * (EVENT_UPCASTERS); tests pass their own.
 */
export async function openEventStore(config: EventStoreConfig, upcasters?: Upcasters): Promise<EventStoreAdmin> {
  const client =
    config.kind === 'pglite' ? await openPgliteWorkerClient(config.dataDir) : await openPostgresClient(config.url);
  return SqlEventStore.open(client, upcasters);
}

/**
 * The coordination state kept beside `store`, a store openEventStore opened
 * (in its own database, on its connection: closing the store ends both).
 */
export function coordinationOf(store: EventStore): Coordination {
  if (store instanceof SqlEventStore) return new SqlCoordination(store.client);
  throw new TypeError('no coordination is known for this event store: open it with openEventStore');
}
