import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrongExpectedRevisionError } from './event-store.port';
import { eventStoreContract } from './event-store.contract';
import { openEventStore } from './open-event-store';

describe('PGlite event store', () => {
  eventStoreContract(() => openEventStore({ kind: 'pglite', dataDir: mkdtempSync(join(tmpdir(), 'es-')) }));

  // A reopened store keeps no stream's revision: each is looked up on its first append, exactly.
  it('appends, refuses and reads after a reopen as before it, on streams written before', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'es-reopen-'));
    const event = (type: string) => ({ id: randomUUID(), type, data: {} });
    const [a, b] = [`Test-${randomUUID()}`, `Test-${randomUUID()}`];
    const retried = event('Retried');
    const first = await openEventStore({ kind: 'pglite', dataDir });
    await first.append(a, [event('A0'), event('A1')], 'no_stream');
    await first.append(b, [retried], 'no_stream');
    await first.close();

    const store = await openEventStore({ kind: 'pglite', dataDir });
    try {
      expect((await store.readStream(a, 1)).map((e) => e.type)).toEqual(['A1']);
      expect(await store.readStream(a, 2)).toEqual([]);
      await expect(store.append(a, [event('stale')], 0)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(b, [event('again')], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      // A retry of an event written before the reopen is answered with its place, not written twice.
      expect((await store.append(b, [retried], 'no_stream')).nextRevision).toBe(0);
      const [onA, onB] = await Promise.all([store.append(a, [event('A2')], 1), store.append(b, [event('B1')], 0)]);
      expect([onA.nextRevision, onB.nextRevision]).toEqual([2, 1]);
      expect(onB.position).toBe(onA.position + 1);
      expect((await store.readStream(a)).map((e) => [e.type, e.revision])).toEqual([
        ['A0', 0],
        ['A1', 1],
        ['A2', 2],
      ]);
      expect((await store.readStream(b)).map((e) => e.type)).toEqual(['Retried', 'B1']);
      expect(await store.headPosition()).toBe(5);
    } finally {
      await store.close();
    }
  });
});
