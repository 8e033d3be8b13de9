import { Db, MongoClient } from 'mongodb';
import { seatStatus } from '../../projections/catalog.projection';
import {
  ConcertDocument,
  DocumentCollections,
  ReservationDocument,
  SeatBlockDocument,
  documentCollections,
} from '../../projections/mongo/collections';
import { LaidOutSeat, availableIn } from '../../projections/mongo/seat-blocks';
import { reservationStatus } from '../../projections/reservations.projection';
import { ConcertRead, DocumentReads, ReservationRead, ScheduleRead, SeatMapRead, SeatRead } from './read-store.port';

/** The catalog, seat, reservation and wallet answers from the documents MongoDocumentsSink writes. */
export class MongoDocumentReads implements DocumentReads {
  private readonly collections: DocumentCollections;

  constructor(mongo: MongoClient | Db) {
    this.collections = documentCollections(mongo instanceof MongoClient ? mongo.db() : mongo);
  }

  async concerts(): Promise<ConcertRead[]> {
    const concerts = this.collections.concerts.find({}, { projection: { title: 1, scheduleIds: 1 } });
    return (await concerts.sort({ created: 1, _id: 1 }).toArray()).map(concertRead);
  }

  async concert(concertId: string): Promise<ConcertRead | undefined> {
    const doc = await this.collections.concerts.findOne(
      { _id: concertId },
      { projection: { title: 1, scheduleIds: 1 } },
    );
    return doc ? concertRead(doc) : undefined;
  }

  /** Counts come from each block's summary of holds and sales, not from its seats. */
  async schedules(concertId: string, now: number): Promise<ScheduleRead[] | undefined> {
    const concert = await this.concert(concertId);
    if (!concert) return undefined;
    const ids = concert.scheduleIds;
    const [schedules, blocks] = await Promise.all([
      this.collections.schedules.find({ _id: { $in: ids } }, { projection: { startsAt: 1 } }).toArray(),
      this.collections.seatBlocks
        .find({ scheduleId: { $in: ids } }, { projection: { scheduleId: 1, n: 1, holds: 1, sold: 1 } })
        .toArray(),
    ]);
    const counts = new Map<string, { available: number; total: number }>();
    for (const block of blocks) {
      const count = counts.get(block.scheduleId) ?? { available: 0, total: 0 };
      count.available += availableIn(block, now);
      count.total += block.n;
      counts.set(block.scheduleId, count);
    }
    const startsAt = new Map(schedules.map((schedule) => [schedule._id, schedule.startsAt]));
    return ids.flatMap((scheduleId) => {
      const starts = startsAt.get(scheduleId);
      if (starts === undefined) return [];
      const { available, total } = counts.get(scheduleId) ?? { available: 0, total: 0 };
      return [{ scheduleId, startsAt: starts, availableSeats: available, totalSeats: total }];
    });
  }

  /** One find: the schedule's blocks carry its concert and start time. */
  async seatMap(scheduleId: string, now: number): Promise<SeatMapRead | undefined> {
    const blocks = await this.collections.seatBlocks
      .find({ scheduleId }, { projection: { concertId: 1, startsAt: 1, layout: 1, st: 1 } })
      .sort({ blockNo: 1 })
      .toArray();
    if (blocks.length === 0) return this.seatlessSchedule(scheduleId);
    const { concertId, startsAt } = blocks[0];
    return { scheduleId, concertId, startsAt, seats: seatsOf(scheduleId, blocks, now) };
  }

  async reservation(reservationId: string, now: number): Promise<ReservationRead | undefined> {
    const doc = await this.collections.reservations.findOne({ _id: reservationId });
    if (!doc || doc.phase === 'rejected') return undefined;
    return {
      reservationId,
      userId: doc.userId,
      scheduleId: doc.scheduleId,
      status: reservationStatus(reservationDoc(doc), now),
      seatIds: doc.seatIds,
      amount: doc.amount,
      expiresAt: doc.expiresAt,
      ...(doc.paymentId ? { paymentId: doc.paymentId } : {}),
    };
  }

  async walletBalance(userId: string): Promise<number | undefined> {
    const wallet = await this.collections.wallets.findOne({ _id: userId }, { projection: { balance: 1 } });
    return wallet?.balance;
  }

  /** A schedule laid out with no seats has no blocks. */
  private async seatlessSchedule(scheduleId: string): Promise<SeatMapRead | undefined> {
    const schedule = await this.collections.schedules.findOne({ _id: scheduleId });
    return schedule ? { scheduleId, concertId: schedule.concertId, startsAt: schedule.startsAt, seats: [] } : undefined;
  }
}

const concertRead = ({ _id, title, scheduleIds }: Pick<ConcertDocument, '_id' | 'title' | 'scheduleIds'>) => ({
  concertId: _id,
  title,
  scheduleIds,
});

/** Seats in creation order; a seat no event has touched is available. */
function seatsOf(
  scheduleId: string,
  blocks: readonly Pick<SeatBlockDocument, 'layout' | 'st'>[],
  now: number,
): SeatRead[] {
  const seats: SeatRead[] = [];
  const orders: number[] = [];
  for (const { layout, st } of blocks) {
    for (const [order, seatNo, price] of JSON.parse(layout) as LaidOutSeat[]) {
      const seatId = `${scheduleId}.${seatNo}`;
      const state = st?.[seatNo];
      const status = state
        ? seatStatus({ seatId, seatNo, price, holder: state.h, heldUntil: state.u ?? 0, soldTo: state.s }, now)
        : 'AVAILABLE';
      seats.push({ seatId, seatNo, price, status });
      orders.push(order);
    }
  }
  // Blocks go by seat number: unless the seats were created in that order, put them back in creation order.
  if (orders.every((order, i) => i === 0 || orders[i - 1] < order)) return seats;
  return orders
    .map((order, i) => [order, i])
    .sort((a, b) => a[0] - b[0])
    .map(([, i]) => seats[i]);
}

function reservationDoc(doc: ReservationDocument) {
  return {
    ...doc,
    paymentInFlight: doc.paymentInFlight ?? undefined,
    paymentId: doc.paymentId ?? undefined,
  };
}
