import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreContract } from './event-store.contract';
import { openEventStore } from './open-event-store';

describe('PGlite event store', () => {
  eventStoreContract(() => openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'es-')) }));
});
