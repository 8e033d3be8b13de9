import { EventLogGenerator } from '../../../bench/replay-events';
import type { EventStore, RecordedEvent } from '../../event-store/event-store.port';
import { mulberry32 } from '../../shared/given-when-then';
import type { ConcertCreated } from '../../write/catalog/concert.decider';
import type { ScheduleDoc } from '../catalog.projection';
import { InMemoryDocumentStore } from '../document-store';
import { Document, Projection } from '../projection';
import { ProjectionRunner } from '../projection-runner';
import type { ScheduleDocument, SeatBlockDocument, StoredDocument } from './collections';
import type { LaidOutSeat } from './seat-blocks';
import { DOCUMENT_PROJECTIONS, decode } from './whole-documents';

/**
 * What the specs compare MongoDB's documents with: the projections' own
 * documents after one delivery of the log, through the in-memory runner.
 * Concerts, reservations and wallets must be the very same documents;
 * schedules, stored in a form of their own (seat blocks), must hold the same
 * seats in the same states (a schedule's `position` is left out: MongoDB
 * keeps one per seat instead).
 */

/** The stored collections, as dumped from a database or a bulk load's image. */
export type StoredCollections = {
  readonly [name in 'concerts' | 'schedules' | 'seatBlocks' | 'reservations' | 'wallets']: readonly StoredDocument[];
};

type ScheduleView = Omit<ScheduleDoc, 'position' | 'seats'> & {
  seats: [string, unknown][];
  /** Seat number → held until, for every seat with a holder (what a block's `holds` summary keeps). */
  holds: Record<string, number>;
};

export type DocumentsView = {
  /** In the order the concerts list shows them. */
  concerts: [string, unknown][];
  reservations: [string, unknown][];
  wallets: [string, unknown][];
  schedules: [string, ScheduleView][];
};

const byId = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
/** Plain data: undefined fields as absent, as `toEqual` and MongoDB both see them. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** The shared definitions' documents after `events` delivered once. */
export function projectedView(events: readonly RecordedEvent[]): DocumentsView {
  const documents = new InMemoryDocumentStore();
  const projections = Object.values(DOCUMENT_PROJECTIONS) as Projection<Document>[];
  new ProjectionRunner({} as EventStore, documents, projections).applyBatch(events);
  const entries = (name: string) =>
    [...documents.collection(name)].map(([id, doc]): [string, unknown] => [id, plain(doc)]);
  const schedules = [...documents.collection<ScheduleDoc>('schedules')].map(
    ([id, { scheduleId, concertId, startsAt, sold, seats }]): [string, ScheduleView] => {
      const holds: Record<string, number> = {};
      for (const seat of seats.values()) if (seat.holder) holds[seat.seatNo] = seat.heldUntil;
      const seatList = [...seats].map(([seatId, seat]): [string, unknown] => [seatId, plain(seat)]);
      return [id, { scheduleId, concertId, startsAt, sold, seats: seatList, holds }];
    },
  );
  return {
    concerts: entries('concerts'),
    reservations: byId(entries('reservations')),
    wallets: byId(entries('wallets')),
    schedules: byId(schedules),
  };
}

/** The same view read from what MongoDocumentsSink stored. */
export function storedView(stored: StoredCollections): DocumentsView {
  const decoded = (documents: readonly StoredDocument[]) =>
    documents.map((document): [string, unknown] => [document._id, plain(decode(document))]);
  const concerts = [...stored.concerts].sort(
    (a, b) => (a.created as number) - (b.created as number) || (a._id < b._id ? -1 : 1),
  );
  const blocks = stored.seatBlocks as unknown as SeatBlockDocument[];
  const schedules = (stored.schedules as unknown as ScheduleDocument[]).map(
    ({ _id: scheduleId, concertId, startsAt }): [string, ScheduleView] => {
      const mine = blocks.filter((block) => block.scheduleId === scheduleId).sort((a, b) => a.blockNo - b.blockNo);
      const seats: [number, string, unknown][] = [];
      const holds: Record<string, number> = {};
      let sold = 0;
      for (const block of mine) {
        for (const [order, seatNo, price] of JSON.parse(block.layout) as LaidOutSeat[]) {
          const state = block.st[seatNo];
          const seatId = `${scheduleId}.${seatNo}`;
          const seat = { seatId, seatNo, price, holder: state?.h, heldUntil: state?.u ?? 0, soldTo: state?.s };
          seats.push([order, seatId, plain(seat)]);
        }
        Object.assign(holds, block.holds);
        sold += Object.keys(block.sold).length;
      }
      seats.sort((a, b) => a[0] - b[0]);
      const seatList = seats.map(([, seatId, seat]): [string, unknown] => [seatId, seat]);
      return [scheduleId, { scheduleId, concertId, startsAt, sold, seats: seatList, holds }];
    },
  );
  return {
    concerts: decoded(concerts),
    reservations: byId(decoded(stored.reservations)),
    wallets: byId(decoded(stored.wallets)),
    schedules: byId(schedules),
  };
}

/**
 * A bench:replay log (holds, payments, expiries, cancellations, charges,
 * refunds) with what the write side rarely writes mixed in: releases by a
 * reservation that does not hold the seat, seats and schedules the catalog
 * lacks, a sold seat released, a wallet event without a user, and a concert
 * created again with fewer seats. Positions dense from 1.
 */
export function mixedLog(seed: number, length: number): RecordedEvent[] {
  const generator = new EventLogGenerator({ seed, schedules: 2, seatsPerSchedule: 150, onSale: 2 });
  const events = generator.next(length);
  const concert = events.find((e) => e.type === 'ConcertCreated')!;
  const { schedules } = concert.data as ConcertCreated['data'];
  const held = events.filter((e) => e.type === 'SeatHeld').slice(-30);
  const sold = events.filter((e) => e.type === 'SeatSold').slice(-5);
  const odd: Pick<RecordedEvent, 'streamId' | 'type' | 'data' | 'metadata'>[] = [
    ...held
      .slice(0, 5)
      .map((e) => ({ ...e, type: 'SeatReleased', data: { ...(e.data as object), reservationId: 'x' } })),
    { ...held[5], data: { ...(held[5].data as object), seatId: `${schedules[0].scheduleId}.9999` } },
    { ...held[6], data: { ...(held[6].data as object), seatId: 'nowhere.1' } },
    { ...held[7], type: 'WalletCharged', data: { nothing: true } },
    ...sold.map((e) => ({ ...e, type: 'SeatReleased', data: { ...(e.data as object), reservationId: 'x' } })),
    ...sold
      .slice(2)
      .map((e) => ({ ...e, type: 'SeatReleased', data: { ...(e.data as object), reason: 'payment-failed' } })),
    ...held.slice(10, 20).flatMap((e) => [
      { ...e, type: 'SeatSold', data: { ...(e.data as object), paymentId: 'p' } },
      { ...e, type: 'SeatReleased', data: { ...(e.data as object), reason: 'expired' } },
    ]),
    {
      ...concert,
      data: { ...concert.data!, schedules: [{ ...schedules[0], seats: schedules[0].seats.slice(0, 60) }] },
    },
    { ...held[20], data: { ...(held[20].data as object), seatId: `${schedules[0].scheduleId}.3` } },
  ];
  const last = events[events.length - 1];
  return [
    ...events,
    ...odd.map((e, i) => ({
      ...e,
      id: `odd-${i}`,
      revision: 1_000 + i,
      position: last.position + 1 + i,
      recordedAt: new Date(last.recordedAt.getTime() + i),
    })),
  ];
}

/** The log in batches of 1 to 80 events, some followed by an earlier stretch delivered again. */
export function batchesWithRedeliveries(events: readonly RecordedEvent[], seed: number): RecordedEvent[][] {
  const random = mulberry32(seed);
  const batches: RecordedEvent[][] = [];
  for (let next = 0; next < events.length;) {
    const size = 1 + Math.floor(random() * 80);
    batches.push(events.slice(next, next + size));
    next += size;
    if (random() < 0.25) {
      const start = Math.floor(random() * next);
      batches.push(events.slice(start, start + 1 + Math.floor(random() * 60)));
    }
  }
  return batches;
}
