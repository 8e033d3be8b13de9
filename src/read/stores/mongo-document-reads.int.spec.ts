import { BSON, CommandStartedEvent, Db, MongoClient } from 'mongodb';
import { describeWithService } from '../../../test/support/services';
import { InMemorySink } from '../../projections/in-memory.sink';
import { SeatBlockDocument } from '../../projections/mongo/collections';
import { createMongoClient } from '../../projections/mongo/mongo-client';
import { MongoDocumentsSink } from '../../projections/mongo/mongo-documents.sink';
import { Event } from '../../shared/decider';
import { MINUTE, T0, mulberry32 } from '../../shared/given-when-then';
import {
  concertCreated,
  documentReadsContract,
  log,
  requested,
  reservationEvent,
  seatHeld,
  seatReleased,
  seatSold,
  walletEvent,
} from './document-reads.contract';
import { InMemoryDocumentReads } from './in-memory.reads';
import { MongoDocumentReads } from './mongo-document.reads';
import { DocumentReads } from './read-store.port';

const STARTS = '2030-02-01T19:00:00.000Z';
const numbered = (from: number, to: number, price = 100) =>
  Array.from({ length: to - from + 1 }, (_, i): [number, number] => [from + i, price]);

/**
 * A hold flow gone through at random: holds of one to four seats (some the
 * schedule lacks), payments that succeed or fail after the seats were sold,
 * expiries, cancellations, rejections, releases by the wrong reservation,
 * holds taken again by others, wallet events and noise.
 */
function randomLog(seed: number, length: number) {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const seats = [...numbered(1, 180), ...numbered(190, 260, 70)];
  const events: Event[] = [
    concertCreated('c1', 'One', [
      ['s1', STARTS, seats],
      ['s2', STARTS, numbered(1, 3, 50)],
    ]),
  ];
  const open: { id: string; seatIds: string[]; userId: string }[] = [];
  const sold: { id: string; seatIds: string[] }[] = [];
  const reservationIds: string[] = [];
  for (let i = 0; events.length < length; i += 1) {
    const roll = random();
    if (roll < 0.35) {
      const id = `r${i}`;
      const schedule = random() < 0.8 ? 's1' : 's2';
      const seatIds = Array.from(
        { length: 1 + Math.floor(random() * 4) },
        () => `${schedule}.${Math.floor(random() * 270)}`,
      );
      const userId = `u${Math.floor(random() * 5)}`;
      const until = T0 + Math.floor(random() * 20) * MINUTE;
      reservationIds.push(id);
      events.push(requested(id, userId, schedule, seatIds, 100 * seatIds.length, until));
      if (random() < 0.1) {
        events.push(reservationEvent('ReservationRejected', id, { unavailableSeatIds: seatIds }));
        continue;
      }
      events.push(...seatIds.map((seatId) => seatHeld(seatId, id, until)));
      if (random() < 0.9) events.push(reservationEvent('ReservationHeld', id));
      open.push({ id, seatIds, userId });
    } else if (roll < 0.5 && open.length) {
      const { id, seatIds, userId } = open.splice(Math.floor(random() * open.length), 1)[0];
      events.push(reservationEvent('PaymentStarted', id, { paymentId: `p${id}`, userId, amount: 100 }));
      if (random() < 0.2) {
        events.push(reservationEvent('PaymentFailed', id, { paymentId: `p${id}`, code: 'DECLINED' }));
        open.push({ id, seatIds, userId });
        continue;
      }
      events.push(...seatIds.map((seatId) => seatSold(seatId, id)));
      events.push(reservationEvent('ReservationPaid', id, { paymentId: `p${id}`, amount: 100 }));
      sold.push({ id, seatIds });
    } else if (roll < 0.55 && sold.length) {
      // A refund path the write side does not take: the read models must still agree.
      const { id, seatIds } = sold.splice(Math.floor(random() * sold.length), 1)[0];
      events.push(...seatIds.map((seatId) => seatReleased(seatId, id, 'payment-failed')));
    } else if (roll < 0.7 && open.length) {
      const { id, seatIds } = open.splice(Math.floor(random() * open.length), 1)[0];
      const cancelled = random() < 0.3;
      events.push(reservationEvent(cancelled ? 'ReservationCancelled' : 'ReservationExpired', id));
      events.push(...seatIds.map((seatId) => seatReleased(seatId, id, cancelled ? 'cancelled' : 'expired')));
    } else if (roll < 0.75 && reservationIds.length) {
      events.push(seatReleased(`s1.${Math.floor(random() * 270)}`, pick(reservationIds)));
    } else if (roll < 0.85) {
      const type = pick(['WalletCharged', 'WalletDebited', 'WalletRefunded']);
      events.push(walletEvent(type, `u${Math.floor(random() * 6)}`, 10, Math.floor(random() * 1000)));
    } else {
      events.push({ type: pick(['QueueJoined', 'SeatsWanted']), data: { seatId: 's1.1', reservationId: 'r0' } });
    }
  }
  return { events: log(...events), reservationIds };
}

async function everything(reads: DocumentReads, reservationIds: readonly string[], now: number) {
  return {
    concerts: await reads.concerts(),
    schedules: await reads.schedules('c1', now),
    s1: await reads.seatMap('s1', now),
    s2: await reads.seatMap('s2', now),
    reservations: await Promise.all(reservationIds.map((id) => reads.reservation(id, now))),
    wallets: await Promise.all(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((u) => reads.walletBalance(u))),
  };
}

describeWithService('MONGODB_URL', 'MongoDB document read models', (url) => {
  const suite = `rtdocs_${process.pid}_${Date.now().toString(36)}`;
  let databases = 0;
  const client = createMongoClient(url);
  const others: MongoClient[] = [];

  afterAll(async () => {
    await Promise.all([client, ...others].map((c) => c.close()));
  });

  const freshDb = () => client.db(`${suite}_${(databases += 1)}`);
  /** Another instance: its own client on the same database. */
  const secondSink = async (db: Db) => {
    const other = createMongoClient(url);
    others.push(other);
    const sink = new MongoDocumentsSink(other.db(db.databaseName));
    await sink.prepare();
    return sink;
  };

  documentReadsContract('MongoDocumentReads', async () => {
    const db = freshDb();
    return {
      sink: new MongoDocumentsSink(db),
      reads: new MongoDocumentReads(db),
      secondSink: () => secondSink(db),
      cleanup: async () => {
        await db.dropDatabase();
      },
    };
  });

  describe('answers exactly as the in-memory projections', () => {
    let db: Db;
    beforeEach(() => {
      db = freshDb();
    });
    afterEach(async () => {
      await db.dropDatabase();
    });

    it.each([1, 2, 3])(
      'on a random hold flow, delivered in pieces, again and by two instances (seed %i)',
      async (seed) => {
        const { events, reservationIds } = randomLog(seed, 700);
        const memory = new InMemorySink();
        await memory.apply(events);
        const sink = new MongoDocumentsSink(db);
        await sink.prepare();
        const second = await secondSink(db);
        const random = mulberry32(seed);
        const feeds = [sink, second].map((target) => ({ target, next: 0 }));
        await sink.apply(events.slice(0, 40));
        feeds[0].next = 40;
        while (feeds.some((feed) => feed.next < events.length)) {
          const feed =
            feeds.filter((f) => f.next < events.length)[random() < 0.5 ? 0 : 1] ??
            feeds.find((f) => f.next < events.length)!;
          const size = 1 + Math.floor(random() * 60);
          await feed.target.apply(events.slice(feed.next, feed.next + size));
          if (random() < 0.3) {
            const start = Math.floor(random() * (feed.next + 1));
            await feed.target.apply(events.slice(start, start + 1 + Math.floor(random() * 40)));
          }
          feed.next += size;
        }
        const expected = new InMemoryDocumentReads(memory.documents);
        const reads = new MongoDocumentReads(db);
        const seen = new Set<string>();
        for (const now of [T0, T0 + 5 * MINUTE, T0 + 12 * MINUTE, T0 + 30 * MINUTE]) {
          const want = await everything(expected, reservationIds, now);
          want.s1?.seats.forEach((s) => seen.add(s.status));
          expect(await everything(reads, reservationIds, now)).toStrictEqual(want);
        }
        // The log is worth comparing on: it leaves seats in every state.
        expect([...seen].sort()).toStrictEqual(['AVAILABLE', 'HELD', 'SOLD']);
        expect(await sink.checkpoint()).toBe(events.length);
        expect(sink.skipped).toBe(0);
      },
    );
  });

  describe('documents', () => {
    let db: Db;
    beforeEach(() => {
      db = freshDb();
    });
    afterEach(async () => {
      await db.dropDatabase();
    });

    it('reads a 500-seat seat map with one find returning five blocks', async () => {
      const sink = new MongoDocumentsSink(db);
      await sink.prepare();
      await sink.apply(log(concertCreated('c1', 'One', [['s1', STARTS, numbered(1, 500)]]), seatHeld('s1.250', 'r1')));
      const watched = new MongoClient(url, { monitorCommands: true, serverSelectionTimeoutMS: 2_000 });
      others.push(watched);
      const commands: CommandStartedEvent[] = [];
      watched.on('commandStarted', (event) => commands.push(event));
      const map = await new MongoDocumentReads(watched.db(db.databaseName)).seatMap('s1', T0);
      expect(map?.seats).toHaveLength(500);
      expect(map?.seats[249]).toStrictEqual({ seatId: 's1.250', seatNo: 250, price: 100, status: 'HELD' });
      expect(commands.map((c) => c.commandName)).toStrictEqual(['find']);
      expect(await db.collection('seatBlocks').countDocuments({ scheduleId: 's1' })).toBe(5);
    });

    it('keeps a seat as one entry of its block, and the block’s holds and sales beside it', async () => {
      const sink = new MongoDocumentsSink(db);
      await sink.prepare();
      const created = concertCreated('c1', 'One', [['s1', STARTS, [...numbered(101, 103), [105, 80]]]]);
      const events = log(created, seatHeld('s1.102', 'r1'), seatHeld('s1.103', 'r2'), seatSold('s1.103', 'r2'));
      await sink.apply(events);
      const block = await db.collection<SeatBlockDocument>('seatBlocks').findOne({ _id: 's1:1' });
      expect(block).toStrictEqual({
        _id: 's1:1',
        scheduleId: 's1',
        blockNo: 1,
        concertId: 'c1',
        startsAt: STARTS,
        position: 1,
        layout: '[[0,101,100],[1,102,100],[2,103,100],[3,105,80]]',
        n: 4,
        lo: 101,
        hi: 105,
        gaps: [104],
        st: {
          '102': { p: 2, h: 'r1', u: T0 + 5 * MINUTE },
          '103': { p: 4, h: 'r2', u: T0 + 5 * MINUTE, s: 'r2' },
        },
        holds: { '102': T0 + 5 * MINUTE, '103': T0 + 5 * MINUTE },
        sold: { '103': 1 },
      });
      expect(await db.collection('checkpoints').findOne({})).toStrictEqual({ _id: sink.name, position: 4 });
    });

    it('fits a 100,000-seat schedule: a thousand blocks, each far below the 16 MB limit', async () => {
      const sink = new MongoDocumentsSink(db);
      await sink.prepare();
      await sink.apply(log(concertCreated('c1', 'Stadium', [['s1', STARTS, numbered(1, 100_000)]])));
      const blocks = await db.collection('seatBlocks').find({ scheduleId: 's1' }).toArray();
      expect(blocks).toHaveLength(1_000);
      expect(Math.max(...blocks.map((b) => BSON.calculateObjectSize(b)))).toBeLessThan(4_000);
      const reads = new MongoDocumentReads(db);
      expect(await reads.schedules('c1', T0)).toStrictEqual([
        { scheduleId: 's1', startsAt: STARTS, availableSeats: 100_000, totalSeats: 100_000 },
      ]);
      expect((await reads.seatMap('s1', T0))?.seats[99_999]).toStrictEqual({
        seatId: 's1.100000',
        seatNo: 100_000,
        price: 100,
        status: 'AVAILABLE',
      });
    });

    it('creates its indexes in prepare, again without harm', async () => {
      const sink = new MongoDocumentsSink(db);
      await sink.prepare();
      await sink.prepare();
      const names = async (collection: string) => (await db.collection(collection).indexes()).map((i) => i.name);
      expect(await names('seatBlocks')).toContain('seat_map');
      expect(await names('reservations')).toContain('owner');
      expect(await names('concerts')).toContain('oldest_first');
    });
  });

  describe('client', () => {
    it('takes the database from the URL path, rush_tickets without one', () => {
      const base = url.replace(/\/[^/]*$/, '').replace(/\/$/, '');
      const named = createMongoClient(`${base}/some_db`);
      const unnamed = createMongoClient(`${base}/`);
      expect(named.db().databaseName).toBe('some_db');
      expect(unnamed.db().databaseName).toBe('rush_tickets');
    });

    it('fails fast while the server cannot be reached', async () => {
      const unreachable = createMongoClient('mongodb://127.0.0.1:9/');
      const started = Date.now();
      await expect(new MongoDocumentReads(unreachable).concerts()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(4_000);
      await unreachable.close();
    });
  });
});
