import { describeWithService } from '../../test/support/services';
import { freshDatabase } from '../../test/support/fresh-database';
import { eventStoreContract } from './event-store.contract';
import { openEventStore } from './open-event-store';

describeWithService('DATABASE_URL', 'PostgreSQL event store', (url) => {
  const databases: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });
  // A second store is a second process's pool: appends from both must reach one subscriber in order.
  eventStoreContract(
    () => openEventStore({ kind: 'postgres', url }),
    () => openEventStore({ kind: 'postgres', url }),
    async () => {
      const database = await freshDatabase(url);
      databases.push(database);
      return openEventStore({ kind: 'postgres', url: database.url });
    },
  );
});
