import { randomUUID } from 'node:crypto';
import { freshDatabase } from '../../../test/support/fresh-database';
import { coordinationContract } from '../coordination/coordination.contract';
import { eventStoreContract } from '../event-store.contract';
import { NewEvent, WrongExpectedRevisionError } from '../event-store.port';
import { coordinationOf, openKurrentDb } from '../open-event-store';
import { KurrentDbEventStore } from './kurrentdb.event-store';

/**
 * The event store contract on a real KurrentDB server, KURRENTDB_URL (e.g.
 * kurrentdb://127.0.0.1:2113?tls=false). Without it jest.config.js leaves
 * this file out, so nothing here is registered; with it every store writes
 * under a stream prefix of its own, so runs on one server never meet.
 */
const url = process.env.KURRENTDB_URL;
const run = `t${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
let stores = 0;
const freshPrefix = () => `${run}_${stores++}.`;
const event = (type = 'Happened', data: unknown = {}): NewEvent => ({ id: randomUUID(), type, data });
const stream = () => `Test-${randomUUID()}`;

if (url) {
  describe('KurrentDB event store', () => {
    // One prefix is one store: a second client on it is a second process.
    const shared = freshPrefix();
    eventStoreContract(
      () => KurrentDbEventStore.open(url, { streamPrefix: shared }),
      () => KurrentDbEventStore.open(url, { streamPrefix: shared }),
      () => KurrentDbEventStore.open(url, { streamPrefix: freshPrefix() }),
    );

    describe('as KurrentDB gives it', () => {
      let store: KurrentDbEventStore;
      beforeAll(async () => {
        store = await KurrentDbEventStore.open(url, { streamPrefix: freshPrefix() });
      });
      afterAll(() => store.close());

      it('says what it lacks: appends are separate calls, positions are log offsets', () => {
        expect(store.guarantees).toEqual({ appendsCommitInOrder: false, densePositions: false });
      });

      it("maps the server's conflict onto the port's, with the stream's actual revision", async () => {
        const id = stream();
        await store.append(id, [event(), event()], 'no_stream');
        await expect(store.append(id, [event()], 'no_stream')).rejects.toEqual(
          new WrongExpectedRevisionError(id, 'no_stream', 1),
        );
        await expect(store.append(id, [event()], 0)).rejects.toEqual(new WrongExpectedRevisionError(id, 0, 1));
        const missing = stream();
        await expect(store.append(missing, [event()], 'stream_exists')).rejects.toEqual(
          new WrongExpectedRevisionError(missing, 'stream_exists', 'no_stream'),
        );
      });

      it('writes a retry by its event ids once, with its own position, after the stream moved on', async () => {
        const id = stream();
        const first = [event('A')];
        const written = await store.append(id, first, 'no_stream');
        const later = await store.append(id, [event('B')], 0);
        expect(await store.append(id, first, 'no_stream')).toEqual(written);
        expect(later.position).toBeGreaterThan(written.position);
        expect((await store.readStream(id)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('takes an event id that is not a UUID, gives it back as it was, and writes its retry once', async () => {
        const id = stream();
        const derived: NewEvent = { id: `${id}:created`, type: 'Created', data: {} };
        const head = await store.headPosition();
        const written = await store.append(id, [derived], 'no_stream');
        expect(await store.append(id, [derived], 'no_stream')).toEqual(written);
        expect((await store.readStream(id)).map((e) => e.id)).toEqual([derived.id]);
        expect((await store.readAll(head, 10)).map((e) => e.id)).toContain(derived.id);
      });

      it('gives an append the $all position of its last event', async () => {
        const id = stream();
        const result = await store.append(id, [event('A'), event('B'), event('C')], 'no_stream');
        const read = await store.readStream(id);
        expect(read.map((e) => e.position)).toEqual([...new Set(read.map((e) => e.position))].sort((a, b) => a - b));
        expect(read[2].position).toBe(result.position);
        expect(await store.headPosition()).toBe(result.position);
      });

      it("sees only its own prefix's streams", async () => {
        const other = await KurrentDbEventStore.open(url, { streamPrefix: freshPrefix() });
        try {
          const head = await store.headPosition();
          await other.append(stream(), [event('Elsewhere')], 'no_stream');
          expect(await store.headPosition()).toBe(head);
          expect(await store.readAll(head, 10)).toEqual([]);
        } finally {
          await other.close();
        }
      });
    });
  });

  // Coordination beside KurrentDB is SqlCoordination on PostgreSQL, reached through the store that owns it.
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    describe('Coordination beside KurrentDB', () => {
      coordinationContract(async () => {
        const database = await freshDatabase(databaseUrl);
        const prefix = freshPrefix();
        const opened = [
          await openKurrentDb(url, database.url, { streamPrefix: prefix }),
          await openKurrentDb(url, database.url, { streamPrefix: prefix }),
        ];
        return {
          instances: [coordinationOf(opened[0]), coordinationOf(opened[1])],
          close: async () => {
            for (const store of opened) await store.close();
            await database.drop();
          },
        };
      });
    });
  }
}
