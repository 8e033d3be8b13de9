import { Db } from 'mongodb';
import { EventLogGenerator } from '../../../bench/replay-events';
import { describeWithService } from '../../../test/support/services';
import { RecordedEvent } from '../../event-store/event-store.port';
import { MongoDocumentReads } from '../../read/stores/mongo-document.reads';
import { InMemoryDocumentReads } from '../../read/stores/in-memory.reads';
import { InMemorySink } from '../in-memory.sink';
import { replayInto } from '../rebuild/replay-into';
import { LOADED_COLLECTIONS } from './bulk-load';
import { createMongoClient } from './mongo-client';
import { MongoDocumentsSink } from './mongo-documents.sink';

/** A bench:replay log with the odd events the write side rarely writes mixed in. */
function history(): RecordedEvent[] {
  const generator = new EventLogGenerator({ seed: 11, schedules: 2, seatsPerSchedule: 150, onSale: 2 });
  const events = [...generator.next(3_000), ...generator.rest()];
  const concert = events.find((e) => e.type === 'ConcertCreated')!;
  const { schedules } = concert.data as {
    concertId: string;
    schedules: { scheduleId: string; startsAt: string; seats: { seatId: string; seatNo: number; price: number }[] }[];
  };
  const held = events.filter((e) => e.type === 'SeatHeld').slice(-40);
  const odd: Omit<RecordedEvent, 'position' | 'id' | 'revision'>[] = [
    // Released by a reservation that does not hold it; a seat the schedule lacks; a wallet event without a wallet.
    ...held.slice(0, 5).map((e) => ({
      ...e,
      type: 'SeatReleased',
      data: { ...(e.data as object), reservationId: 'nobody', reason: 'expired' },
    })),
    { ...held[5], data: { ...(held[5].data as object), seatId: `${schedules[0].scheduleId}.9999` } },
    { ...held[7], type: 'WalletCharged', data: { nothing: true } },
  ];
  for (const e of held.slice(10, 30)) {
    odd.push({ ...e, type: 'SeatReleased', data: { ...(e.data as object), reason: 'expired' } });
    odd.push({ ...e, type: 'SeatSold', data: { ...(e.data as object), paymentId: 'p' } });
  }
  // The concert created again with fewer seats: blocks it no longer has go.
  odd.push({
    ...concert,
    data: { ...concert.data!, schedules: [{ ...schedules[0], seats: schedules[0].seats.slice(0, 60) }] },
  });
  odd.push({ ...held[30], data: { ...(held[30].data as object), seatId: `${schedules[0].scheduleId}.3` } });
  const last = events[events.length - 1].position;
  return [
    ...events,
    ...odd.map((e, i) => ({
      ...e,
      id: `odd-${i}`,
      revision: 1_000 + i,
      position: last + 1 + i,
      recordedAt: new Date(e.recordedAt),
    })),
  ];
}

const sorted = async (db: Db, name: string) => db.collection(name).find({}).sort({ _id: 1 }).toArray();

describeWithService('MONGODB_URL', 'MongoDB bulk load (a replay into an empty store)', (url) => {
  const suite = `rtbulk_${process.pid}_${Date.now().toString(36)}`;
  const client = createMongoClient(url);
  const events = history();
  const store = {
    readAll: async (after: number, limit: number) => events.filter((e) => e.position > after).slice(0, limit),
    headPosition: async () => events[events.length - 1].position,
  };
  const dbs: Db[] = [];
  const freshDb = () => {
    const db = client.db(`${suite}_${dbs.length + 1}`);
    dbs.push(db);
    return db;
  };
  let guarded: Db;

  beforeAll(async () => {
    // The same log through the usual guarded writes, batch by batch.
    guarded = freshDb();
    const sink = new MongoDocumentsSink(guarded);
    await sink.prepare();
    for (let i = 0; i < events.length; i += 700) await sink.apply(events.slice(i, i + 700));
  }, 600_000);

  afterAll(async () => {
    for (const db of dbs) await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('writes exactly the documents the guarded writes leave, and the checkpoint last', async () => {
    const db = freshDb();
    const sink = new MongoDocumentsSink(db, { bulkInsertChunk: 97 });
    await sink.prepare();
    const progress: number[] = [];
    const position = await replayInto(store, sink, { batchSize: 333, onProgress: (p) => progress.push(p.position) });
    expect(position).toBe(events.length);
    expect(await sink.checkpoint()).toBe(events.length);
    for (const name of LOADED_COLLECTIONS) expect(await sorted(db, name)).toEqual(await sorted(guarded, name));

    // Read exactly as the in-memory projections answer.
    const memory = new InMemorySink();
    await memory.apply(events);
    const mine = new MongoDocumentReads(db);
    const theirs = new InMemoryDocumentReads(memory.documents);
    const now = events[events.length - 1].recordedAt.getTime();
    expect(await mine.concerts()).toEqual(await theirs.concerts());
    for (const { concertId, scheduleIds } of await theirs.concerts()) {
      expect(await mine.schedules(concertId, now)).toEqual(await theirs.schedules(concertId, now));
      for (const id of scheduleIds) expect(await mine.seatMap(id, now)).toEqual(await theirs.seatMap(id, now));
    }
    const reservations = events
      .filter((e) => e.type === 'ReservationRequested')
      .map((e) => (e.data as { reservationId: string }).reservationId);
    for (const id of reservations.slice(0, 150))
      expect(await mine.reservation(id, now)).toEqual(await theirs.reservation(id, now));
  }, 120_000);

  it('is idempotent: the whole log delivered again, and a resumed replay, change nothing', async () => {
    const db = freshDb();
    const sink = new MongoDocumentsSink(db);
    await sink.prepare();
    await replayInto(store, sink, { until: 2_000 });
    expect(await sink.checkpoint()).toBe(2_000);
    // Not empty any more: the rest goes through the guarded writes.
    expect(await sink.beginBulkLoad()).toBe(false);
    await replayInto(store, sink);
    await sink.apply(events.slice(1_500));
    for (const name of LOADED_COLLECTIONS) expect(await sorted(db, name)).toEqual(await sorted(guarded, name));
  }, 300_000);

  it('writes nothing when the replay fails, so the next one starts from an empty store again', async () => {
    const db = freshDb();
    const sink = new MongoDocumentsSink(db);
    await sink.prepare();
    const controller = new AbortController();
    const failing = replayInto(store, sink, {
      batchSize: 500,
      signal: controller.signal,
      onProgress: (p) => p.position >= 1_000 && controller.abort(),
    });
    await expect(failing).rejects.toThrow();
    expect(await sink.checkpoint()).toBe(0);
    expect(await db.collection('reservations').countDocuments()).toBe(0);
    expect(await sink.beginBulkLoad()).toBe(true);
    sink.abandonBulkLoad();
  });

  it('writes what it holds and goes on with guarded writes when it reaches its limit', async () => {
    const db = freshDb();
    const sink = new MongoDocumentsSink(db, { bulkLoadLimit: 300 });
    await sink.prepare();
    await replayInto(store, sink, { batchSize: 400 });
    for (const name of LOADED_COLLECTIONS) expect(await sorted(db, name)).toEqual(await sorted(guarded, name));
  }, 300_000);
});
