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

  it("reads a whole page past its own recent appends: another process's events between them are not a page's end", async () => {
    const database = await freshDatabase(url);
    databases.push(database);
    const a = await openEventStore({ kind: 'postgres', url: database.url });
    const b = await openEventStore({ kind: 'postgres', url: database.url });
    try {
      const event = (n: number) => [{ id: crypto.randomUUID(), type: 'Noted', data: { n } }];
      await a.append('Note-1', event(1), 'no_stream');
      await b.append('Note-2', event(2), 'no_stream');
      await a.append('Note-3', event(3), 'no_stream');
      expect((await a.readAll(0, 10)).map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      expect((await a.readAll(0, 2)).map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
