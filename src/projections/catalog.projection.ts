import type { ConcertCreated } from '../write/catalog/concert.decider';
import type { SeatHeld, SeatReleased, SeatSold } from '../write/reservations/seat.decider';
import { Document, Projection, data, documentId } from './projection';

export type ConcertDoc = Document & { concertId: string; title: string; scheduleIds: string[] };

export type SeatDoc = {
  seatId: string;
  seatNo: number;
  price: number;
  holder: string | undefined;
  /** Epoch ms; a hold past it shows as AVAILABLE without waiting for an expiry event. */
  heldUntil: number;
  soldTo: string | undefined;
};

export type ScheduleDoc = Document & {
  scheduleId: string;
  concertId: string;
  startsAt: string;
  seats: Map<string, SeatDoc>;
  sold: number;
};

export const scheduleIdOfSeat = (seatId: string) => seatId.slice(0, seatId.lastIndexOf('.'));

export const concertsProjection: Projection<ConcertDoc> = {
  name: 'concerts',
  version: 1,
  handles: ['ConcertCreated'],
  documentIds: (event) => [documentId(data<ConcertCreated['data']>(event).concertId)],
  apply: (_doc, event) => {
    const { concertId, title, schedules } = data<ConcertCreated['data']>(event);
    return { position: 0, concertId, title, scheduleIds: schedules.map((s) => s.scheduleId) };
  },
};

export const schedulesProjection: Projection<ScheduleDoc> = {
  name: 'schedules',
  version: 1,
  handles: ['ConcertCreated', 'SeatHeld', 'SeatReleased', 'SeatSold'],
  documentIds: (event) =>
    event.type === 'ConcertCreated'
      ? data<ConcertCreated['data']>(event).schedules.map((s) => documentId(s.scheduleId))
      : [scheduleIdOfSeat(data<{ seatId: string }>(event).seatId)],
  apply: (doc, event, id) => {
    if (event.type === 'ConcertCreated') {
      const concert = data<ConcertCreated['data']>(event);
      const schedule = concert.schedules.find((s) => s.scheduleId === id)!;
      const seats = new Map<string, SeatDoc>(
        schedule.seats.map((s) => [s.seatId, { ...s, holder: undefined, heldUntil: 0, soldTo: undefined }]),
      );
      return { position: 0, scheduleId: id, concertId: concert.concertId, startsAt: schedule.startsAt, seats, sold: 0 };
    }
    const seat = doc?.seats.get(data<{ seatId: string }>(event).seatId);
    if (!doc || !seat) return doc;
    if (event.type === 'SeatHeld') {
      const held = data<SeatHeld['data']>(event);
      seat.holder = held.reservationId;
      seat.heldUntil = Date.parse(held.expiresAt);
    } else if (event.type === 'SeatSold') {
      if (!seat.soldTo) doc.sold += 1;
      seat.soldTo = data<SeatSold['data']>(event).reservationId;
    } else if (seat.holder === data<SeatReleased['data']>(event).reservationId) {
      if (seat.soldTo) doc.sold -= 1;
      seat.holder = undefined;
      seat.heldUntil = 0;
      seat.soldTo = undefined;
    }
    return doc;
  },
};

export type SeatStatus = 'AVAILABLE' | 'HELD' | 'SOLD';

export function seatStatus(seat: SeatDoc, now: number): SeatStatus {
  if (seat.soldTo) return 'SOLD';
  return seat.holder && seat.heldUntil > now ? 'HELD' : 'AVAILABLE';
}
