import { SqlEventStore } from './sql-event-store';
import { openPgliteClient } from './pglite.client';
import { openPostgresClient } from './postgres.client';

export type EventStoreConfig =
  { readonly kind: 'pglite'; readonly dataDir?: string } | { readonly kind: 'postgres'; readonly url: string };

export async function openEventStore(config: EventStoreConfig): Promise<SqlEventStore> {
  const client =
    config.kind === 'pglite' ? await openPgliteClient(config.dataDir) : await openPostgresClient(config.url);
  return SqlEventStore.open(client);
}
