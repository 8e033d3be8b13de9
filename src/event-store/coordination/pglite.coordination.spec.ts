import { coordinationContract } from './coordination.contract';
import { coordinationOf, openEventStore } from '../open-event-store';

describe('Coordination on PGlite', () => {
  // One process owns a PGlite database: the second instance is the same store's coordination again.
  coordinationContract(async () => {
    const store = await openEventStore({ kind: 'pglite' });
    return { instances: [coordinationOf(store), coordinationOf(store)], close: () => store.close() };
  });
});
