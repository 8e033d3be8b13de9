import { describeWithService } from '../../../test/support/services';
import { LOADED_COLLECTIONS } from './bulk-load';
import { createMongoClient } from './mongo-client';
import { MongoDocumentsSink } from './mongo-documents.sink';
import {
  StoredCollections,
  batchesWithRedeliveries,
  mixedLog,
  projectedView,
  storedView,
} from './same-as-projections.contract';

/**
 * What MongoDocumentsSink's guarded writes leave on the server, against the
 * projections' own documents: concerts, reservations and wallets are the same
 * documents, and the seat blocks (the one form of its own) hold the seats
 * schedulesProjection holds, in the same states.
 */
describeWithService('MONGODB_URL', 'MongoDB documents are the projections’ documents', (url) => {
  const client = createMongoClient(url);
  const db = client.db(`rtsame_${process.pid}_${Date.now().toString(36)}`);
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('after a mixed log delivered in pieces and again, through the guarded writes', async () => {
    const events = mixedLog(7, 1_500);
    const sink = new MongoDocumentsSink(db);
    await sink.prepare();
    for (const batch of batchesWithRedeliveries(events, 7)) await sink.apply(batch);
    const stored: Record<string, unknown[]> = {};
    for (const name of LOADED_COLLECTIONS) stored[name] = await db.collection(name).find({}).toArray();
    const expected = projectedView(events);
    expect(storedView(stored as unknown as StoredCollections)).toEqual(expected);
    expect(expected.schedules.length * expected.reservations.length * expected.wallets.length).toBeGreaterThan(0);
    expect(sink.skipped).toBeGreaterThan(0);
  }, 180_000);
});
