import type { SeatStatus } from '../../projections/catalog.projection';
import type { QueueReadStatus } from '../../projections/queue.projection';
import type { ReservationStatus } from '../../projections/reservations.projection';

/**
 * What the query handlers read. Implemented in memory (embedded profile), by
 * Redis (queue rankings) and by MongoDB (everything else); one contract suite
 * per port runs against each implementation. Every status that depends on the
 * time is computed against `now`, so a hold past its TTL reads AVAILABLE
 * before any expiry event is written.
 */
export const QUEUE_READS = Symbol('QUEUE_READS');
export const DOCUMENT_READS = Symbol('DOCUMENT_READS');

export type QueueEntryRead = {
  userId: string;
  status: QueueReadStatus;
  /** 1-based place among the concert's WAITING entries; present only while WAITING (or PAUSED). */
  position?: number;
  /** Entries of this concert admitted in the 60 s before `now` (ETA estimate). */
  admittedLastMinute: number;
  /** The concert's inflow rate, when it has one (ETA estimate). */
  admitPerMinute?: number;
  /** PRE_QUEUE only: the scheduled opening (epoch ms). */
  opensAt?: number;
};

export interface QueueReads {
  entry(concertId: string, entryId: string, now: number): Promise<QueueEntryRead | undefined>;
}

export type ConcertRead = { concertId: string; title: string; scheduleIds: string[] };
export type ScheduleRead = { scheduleId: string; startsAt: string; availableSeats: number; totalSeats: number };
export type SeatRead = { seatId: string; seatNo: number; price: number; status: SeatStatus };
export type SeatMapRead = { scheduleId: string; concertId: string; startsAt: string; seats: SeatRead[] };
export type ReservationRead = {
  reservationId: string;
  userId: string;
  scheduleId: string;
  status: ReservationStatus;
  seatIds: string[];
  amount: number;
  expiresAt: string;
  paymentId?: string;
};

export interface DocumentReads {
  /** Every concert, oldest first. */
  concerts(): Promise<ConcertRead[]>;
  concert(concertId: string): Promise<ConcertRead | undefined>;
  /** The concert's schedules in creation order; undefined when the concert is unknown. */
  schedules(concertId: string, now: number): Promise<ScheduleRead[] | undefined>;
  /** Seats in creation order. */
  seatMap(scheduleId: string, now: number): Promise<SeatMapRead | undefined>;
  /** Undefined when unknown or rejected (a hold that never held anything is not shown). */
  reservation(reservationId: string, now: number): Promise<ReservationRead | undefined>;
  /** Undefined when the user has no wallet event yet. */
  walletBalance(userId: string): Promise<number | undefined>;
}
