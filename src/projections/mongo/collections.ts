import type { Collection, Db, Document, IndexDescription } from 'mongodb';
import type { ReservationPhase, ReservationRequested } from '../../write/reservations/reservation.decider';

/**
 * The production catalog, seat availability, reservation and wallet read
 * models. Concerts, reservations and wallets are their projections' own
 * documents (whole-documents.ts); schedules and seats have a form of their
 * own (write-plan.ts). Every document keeps `position`, the global position
 * of the last event applied to it; a write is guarded by `position < event
 * position`, so re-deliveries, replays and two instances' overlapping batches
 * change nothing.
 */

/** concertsProjection's ConcertDoc, by `_id`. */
export type ConcertDocument = {
  _id: string;
  concertId: string;
  title: string;
  scheduleIds: string[];
  /** Position of the event that first created it: the concerts list is oldest first. */
  created: number;
  position: number;
};

export type ScheduleDocument = { _id: string; concertId: string; startsAt: string; position: number };

/**
 * What events did to one seat since its block was laid out; absent until the
 * first. Short names: a block carries up to 100 of these in every seat map.
 */
export type SeatState = {
  /** Position of the last event applied to this seat. */
  p: number;
  /** Holder (a reservation id). */
  h?: string;
  /** Held until, epoch ms. */
  u?: number;
  /** Sold to (a reservation id). */
  s?: string;
};

/**
 * Up to SEATS_PER_BLOCK seats of one schedule, by seat number: block `b` holds
 * seats `100b+1 … 100b+100`. A 500-seat seat map is one find returning five of
 * these; a 100,000-seat schedule is a thousand documents far below 16 MB.
 */
export type SeatBlockDocument = {
  /** `<scheduleId>:<blockNo>` */
  _id: string;
  scheduleId: string;
  blockNo: number;
  /** Copied from the schedule so that a seat map needs no second read. */
  concertId: string;
  startsAt: string;
  /** Position of the ConcertCreated that laid the block out. */
  position: number;
  /**
   * `[order, seatNo, price][]` as JSON, in creation order (`order` counts across
   * the schedule). Written once and read whole, so it is kept as one value:
   * parsing one string is far cheaper than a hundred sub-documents.
   */
  layout: string;
  /** Seats in the block. */
  n: number;
  /** Lowest and highest seat number in the block, and the numbers in between it lacks. */
  lo: number;
  hi: number;
  gaps: number[];
  /** By seat number. */
  st: Record<string, SeatState>;
  /** Seat number → held until, for every seat with a holder. */
  holds: Record<string, number>;
  /** Seat number → 1, for every sold seat. With `holds` it counts available seats without reading `st`. */
  sold: Record<string, 1>;
};

/** reservationsProjection's ReservationDoc, by `_id`: what the reservation was requested with, and where it has got to. */
export type ReservationDocument = ReservationRequested['data'] & {
  _id: string;
  phase: ReservationPhase;
  paymentInFlight: string | null;
  paymentId: string | null;
  /** recordedAt (ms) of the last event, for the process managers' staleness checks. */
  updatedAt: number;
  position: number;
};

/** walletsProjection's WalletDoc, by `_id`. */
export type WalletDocument = { _id: string; userId: string; balance: number; position: number };

/** A checkpoint, or (`<sink>:version`) the version that built the store, in `version`. */
export type CheckpointDocument = { _id: string; position: number; version?: string };

export type DocumentCollections = {
  concerts: Collection<ConcertDocument>;
  schedules: Collection<ScheduleDocument>;
  seatBlocks: Collection<SeatBlockDocument>;
  reservations: Collection<ReservationDocument>;
  wallets: Collection<WalletDocument>;
  checkpoints: Collection<CheckpointDocument>;
};

export const COLLECTION_NAMES: { readonly [name in keyof DocumentCollections]: string } = {
  concerts: 'concerts',
  schedules: 'schedules',
  seatBlocks: 'seatBlocks',
  reservations: 'reservations',
  wallets: 'wallets',
  checkpoints: 'checkpoints',
};

export function documentCollections(db: Db): DocumentCollections {
  const named = <T extends Document>(name: keyof DocumentCollections) => db.collection<T>(COLLECTION_NAMES[name]);
  return {
    concerts: named<ConcertDocument>('concerts'),
    schedules: named<ScheduleDocument>('schedules'),
    seatBlocks: named<SeatBlockDocument>('seatBlocks'),
    reservations: named<ReservationDocument>('reservations'),
    wallets: named<WalletDocument>('wallets'),
    checkpoints: named<CheckpointDocument>('checkpoints'),
  };
}

/** Any of the above, as the sink's writes see them: built from events field by field. */
export type StoredDocument = { _id: string; position: number; [field: string]: unknown };

/** Everything else is found by `_id`. */
export const INDEXES: { readonly [name in keyof DocumentCollections]?: IndexDescription[] } = {
  concerts: [{ key: { created: 1 }, name: 'oldest_first' }],
  seatBlocks: [{ key: { scheduleId: 1, blockNo: 1 }, name: 'seat_map' }],
  reservations: [{ key: { userId: 1 }, name: 'owner' }],
};
