/**
 * Why MongoDB keeps seats in a form of their own (write-plan.ts): the same
 * batches of holds written two ways against MONGODB_URL.
 *
 *   blocks    MongoDocumentsSink: a seat is an entry of a 100-seat block,
 *             updated in place with `$set` (one update per block per batch).
 *   schedule  the shared definition stored as it is: load the schedule
 *             document, evolve it with schedulesProjection, write it back
 *             whole, guarded by its position.
 *
 * Run: `node -r ./test/support/ts-register.js bench/seat-writes.bench.ts [seats...]`
 * (or `npm run build` then `node dist/bench/seat-writes.bench.js`). Prints ms per batch of 20 holds, and
 * the BSON size of one whole schedule document.
 */
import { BSON } from 'mongodb';
import type { RecordedEvent } from '../src/event-store/event-store.port';
import { ScheduleDoc, schedulesProjection } from '../src/projections/catalog.projection';
import { evolveDocuments } from '../src/projections/projection';
import { createMongoClient } from '../src/projections/mongo/mongo-client';
import { MongoDocumentsSink } from '../src/projections/mongo/mongo-documents.sink';
import { mulberry32 } from '../src/shared/given-when-then';
import { seatIdOf } from '../src/write/catalog/concert.decider';

const HOLDS_PER_BATCH = 20;
const BATCHES = 15;
const STARTS = '2030-02-01T19:00:00.000Z';

function events(seats: number): { created: RecordedEvent; batches: RecordedEvent[][] } {
  let position = 0;
  const at = (type: string, streamId: string, data: unknown): RecordedEvent => ({
    id: `e${++position}`,
    streamId,
    revision: 0,
    position,
    type,
    data,
    metadata: {},
    recordedAt: new Date(Date.parse(STARTS) - 86_400_000 + position),
  });
  const created = at('ConcertCreated', 'Concert-c1', {
    concertId: 'c1',
    title: 'Bench',
    schedules: [
      {
        scheduleId: 's1',
        startsAt: STARTS,
        seats: Array.from({ length: seats }, (_, i) => ({ seatId: seatIdOf('s1', i + 1), seatNo: i + 1, price: 100 })),
      },
    ],
  });
  const random = mulberry32(seats);
  const batches = Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: HOLDS_PER_BATCH }, (_, h) => {
      const seatId = seatIdOf('s1', 1 + Math.floor(random() * seats));
      const reservationId = `r${b}-${h}`;
      return at('SeatHeld', `Seat-${seatId}`, { seatId, reservationId, userId: 'u', expiresAt: STARTS });
    }),
  );
  return { created, batches };
}

/** Seats as a list: a seat id (`s1.1`) cannot be a field name. */
const asStored = (doc: ScheduleDoc) => ({ ...doc, seats: [...doc.seats.values()] });
const fromStored = (stored: Record<string, unknown>): ScheduleDoc => {
  const { _id, seats, ...rest } = stored;
  const list = seats as { seatId: string }[];
  return {
    ...(rest as Omit<ScheduleDoc, 'seats'>),
    seats: new Map(list.map((seat) => [seat.seatId, seat])),
  } as ScheduleDoc;
};

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  const client = createMongoClient(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/');
  const base = `rtseatbench_${process.pid}`;
  try {
    for (const seats of sizes.length ? sizes : [2_000, 20_000]) {
      const { created, batches } = events(seats);

      const blocksDb = client.db(`${base}_blocks_${seats}`);
      const sink = new MongoDocumentsSink(blocksDb);
      await sink.prepare();
      await sink.apply([created]);
      let started = Date.now();
      for (const batch of batches) await sink.apply(batch);
      const blocks = (Date.now() - started) / batches.length;

      const scheduleDb = client.db(`${base}_schedule_${seats}`);
      const schedules = scheduleDb.collection<Record<string, unknown> & { _id: string }>('schedules');
      const write = async (batch: RecordedEvent[]) => {
        const stored = await schedules.findOne({ _id: 's1' });
        const documents = new Map<string, ScheduleDoc>(stored ? [['s1', fromStored(stored)]] : []);
        const before = stored?.position as number | undefined;
        for (const event of batch) evolveDocuments(schedulesProjection, event, documents, () => undefined);
        const doc = documents.get('s1')!;
        if (before === undefined) await schedules.insertOne({ _id: 's1', ...asStored(doc) });
        else await schedules.updateOne({ _id: 's1', position: { $lt: doc.position } }, { $set: asStored(doc) });
        return doc;
      };
      const doc = await write([created]);
      started = Date.now();
      for (const batch of batches) await write(batch);
      const whole = (Date.now() - started) / batches.length;
      const bytes = BSON.calculateObjectSize({ _id: 's1', ...asStored(doc) });

      console.log(
        JSON.stringify({
          seats,
          holdsPerBatch: HOLDS_PER_BATCH,
          msPerBatch: { blocks: Math.round(blocks), schedule: Math.round(whole) },
          scheduleDocumentBytes: bytes,
        }),
      );
      await blocksDb.dropDatabase();
      await scheduleDb.dropDatabase();
    }
  } finally {
    await client.close();
  }
}

void main();
