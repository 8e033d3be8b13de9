import { describeWithService } from '../../test/support/services';
import { eventStoreContract } from './event-store.contract';
import { openEventStore } from './open-event-store';

describeWithService('DATABASE_URL', 'PostgreSQL event store', (url) => {
  // A second store is a second process's pool: appends from both must reach one subscriber in order.
  eventStoreContract(
    () => openEventStore({ kind: 'postgres', url }),
    () => openEventStore({ kind: 'postgres', url }),
  );
});
