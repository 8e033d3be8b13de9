import { ConcertDoc, ScheduleDoc, SeatDoc, seatStatus } from '../../projections/catalog.projection';
import { InMemoryDocumentStore } from '../../projections/document-store';
import { QueueDoc, queueRowStatus } from '../../projections/queue.projection';
import { ReservationDoc, reservationStatus } from '../../projections/reservations.projection';
import { WalletDoc } from '../../projections/wallets.projection';
import {
  ConcertRead,
  DocumentReads,
  QueueEntryRead,
  QueueReads,
  ReservationRead,
  ScheduleRead,
  SeatMapRead,
} from './read-store.port';

const MINUTE_MS = 60_000;

/** The embedded profile's queue answers, from the in-process projection. */
export class InMemoryQueueReads implements QueueReads {
  constructor(private readonly documents: InMemoryDocumentStore) {}

  async entry(concertId: string, entryId: string, now: number): Promise<QueueEntryRead | undefined> {
    const queue = this.documents.get<QueueDoc>('queues', concertId);
    const row = queue ? queue.entries.rowOf(entryId) : -1;
    if (!queue || row < 0) return undefined;
    const status = queueRowStatus(queue.entries, row, now);
    const admittedLastMinute = queue.admittedSince(now - MINUTE_MS);
    const userId = queue.entries.userId(row);
    if (status === 'WAITING' && queue.beforeOpening) {
      return { userId, status: 'PRE_QUEUE', admittedLastMinute, opensAt: queue.onSaleAt };
    }
    // Admission follows admission order, so the admitted entries are a prefix of it.
    const position = status === 'WAITING' ? queue.admissionIndex(row) + 1 - queue.admitted : undefined;
    return {
      userId,
      status: status === 'WAITING' && queue.paused ? 'PAUSED' : status,
      ...(position !== undefined ? { position } : {}),
      admittedLastMinute,
      ...(queue.admitPerMinute !== undefined ? { admitPerMinute: queue.admitPerMinute } : {}),
    };
  }
}

/** The embedded profile's catalog, reservation and wallet answers. */
export class InMemoryDocumentReads implements DocumentReads {
  constructor(private readonly documents: InMemoryDocumentStore) {}

  async concerts(): Promise<ConcertRead[]> {
    return [...this.documents.collection<ConcertDoc>('concerts').values()].map(concertRead);
  }

  async concert(concertId: string): Promise<ConcertRead | undefined> {
    const doc = this.documents.get<ConcertDoc>('concerts', concertId);
    return doc && concertRead(doc);
  }

  async schedules(concertId: string, now: number): Promise<ScheduleRead[] | undefined> {
    const concert = this.documents.get<ConcertDoc>('concerts', concertId);
    if (!concert) return undefined;
    return concert.scheduleIds.flatMap((id) => {
      const schedule = this.documents.get<ScheduleDoc>('schedules', id);
      return schedule
        ? [
            {
              scheduleId: id,
              startsAt: schedule.startsAt,
              availableSeats: countAvailable(schedule.seats.values(), now),
              totalSeats: schedule.seats.size,
            },
          ]
        : [];
    });
  }

  async seatMap(scheduleId: string, now: number): Promise<SeatMapRead | undefined> {
    const schedule = this.documents.get<ScheduleDoc>('schedules', scheduleId);
    if (!schedule) return undefined;
    return {
      scheduleId,
      concertId: schedule.concertId,
      startsAt: schedule.startsAt,
      seats: [...schedule.seats.values()].map((seat) => ({
        seatId: seat.seatId,
        seatNo: seat.seatNo,
        price: seat.price,
        status: seatStatus(seat, now),
      })),
    };
  }

  async reservation(reservationId: string, now: number): Promise<ReservationRead | undefined> {
    const doc = this.documents.get<ReservationDoc>('reservations', reservationId);
    if (!doc || doc.phase === 'rejected') return undefined;
    return {
      reservationId,
      userId: doc.userId,
      scheduleId: doc.scheduleId,
      status: reservationStatus(doc, now),
      seatIds: doc.seatIds,
      amount: doc.amount,
      expiresAt: doc.expiresAt,
      ...(doc.paymentId ? { paymentId: doc.paymentId } : {}),
    };
  }

  async walletBalance(userId: string): Promise<number | undefined> {
    return this.documents.get<WalletDoc>('wallets', userId)?.balance;
  }
}

const concertRead = ({ concertId, title, scheduleIds }: ConcertDoc): ConcertRead => ({
  concertId,
  title,
  scheduleIds,
});

/** Counted against `now`, so a hold past its TTL is available before any expiry event lands. */
export function countAvailable(seats: Iterable<SeatDoc>, now: number): number {
  let available = 0;
  for (const seat of seats) if (seatStatus(seat, now) === 'AVAILABLE') available += 1;
  return available;
}
