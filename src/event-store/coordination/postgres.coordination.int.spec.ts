import { describeWithService } from '../../../test/support/services';
import { freshDatabase } from '../../../test/support/fresh-database';
import { coordinationContract } from './coordination.contract';
import { coordinationOf, openEventStore } from '../open-event-store';

describeWithService('DATABASE_URL', 'Coordination on PostgreSQL', (url) => {
  // Two stores on one fresh database are two instances, each with a pool of its own.
  coordinationContract(async () => {
    const database = await freshDatabase(url);
    const stores = [
      await openEventStore({ kind: 'postgres', url: database.url }),
      await openEventStore({ kind: 'postgres', url: database.url }),
    ];
    return {
      instances: [coordinationOf(stores[0]), coordinationOf(stores[1])],
      close: async () => {
        for (const store of stores) await store.close();
        await database.drop();
      },
    };
  });
});
