import { SqlEventStore } from './sql-event-store';
import { openPgliteWorkerClient } from './pglite-worker/pglite-worker.client';
import { openPostgresClient } from './postgres.client';
import { Upcasters } from './upcasting/upcasters';

export type EventStoreConfig =
  { readonly kind: 'pglite'; readonly dataDir?: string } | { readonly kind: 'postgres'; readonly url: string };

/** `upcasters` defaults to this build's schemas (EVENT_UPCASTERS); tests pass their own. */
export async function openEventStore(config: EventStoreConfig, upcasters?: Upcasters): Promise<SqlEventStore> {
  const client =
    config.kind === 'pglite' ? await openPgliteWorkerClient(config.dataDir) : await openPostgresClient(config.url);
  return SqlEventStore.open(client, upcasters);
}
