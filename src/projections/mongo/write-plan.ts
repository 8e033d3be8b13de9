import type { Filter } from 'mongodb';
import type { RecordedEvent } from '../../event-store/event-store.port';
import type { ConcertCreated } from '../../write/catalog/concert.decider';
import type { ReservationEvent } from '../../write/reservations/reservation.decider';
import type { SeatEvent as SeatDeciderEvent } from '../../write/reservations/seat.decider';
import type { WalletEvent } from '../../write/wallet/wallet.decider';
import { reservationsProjection } from '../reservations.projection';
import { walletsProjection } from '../wallets.projection';
import type { SeatBlockDocument } from './collections';
import { DocumentWrite, DocumentWrites } from './document-writes';
import {
  SeatEvent,
  SeatStep,
  blockIdOf,
  blockNoOf,
  layOutBlocks,
  seatAddress,
  seatSteps,
  seatsWrite,
} from './seat-blocks';

/** One update of one block applying one step per seat, and the same steps one by one if it matches nothing. */
export type SeatsWrite = ReturnType<typeof seatsWrite> & { readonly id: string; readonly each: DocumentWrite[] };

export type WritePlan = {
  readonly concerts: DocumentWrite[];
  readonly schedules: DocumentWrite[];
  readonly reservations: DocumentWrite[];
  readonly wallets: DocumentWrite[];
  /** Blocks laid out by this batch's ConcertCreated events, written before any seat step. */
  readonly layouts: DocumentWrite[];
  /** Round `r` holds every block's `r`-th step of each seat; a round starts when the previous one is done. */
  readonly seatRounds: SeatsWrite[][];
  /** Blocks an earlier layout of a re-created schedule had and the new one has not. */
  readonly staleBlocks: Filter<SeatBlockDocument>[];
  /** Events whose data could not be read; they are skipped, as the in-memory runner skips them. */
  readonly skipped: number;
};

/** A batch (ascending positions, any types) as the writes that bring the read models past it. */
export function planWrites(events: readonly RecordedEvent[]): WritePlan {
  const concerts = new DocumentWrites();
  const schedules = new DocumentWrites();
  const reservations = new DocumentWrites();
  const wallets = new DocumentWrites();
  const seats = new SeatPlan();
  let skipped = 0;
  for (const event of events) {
    try {
      const { position } = event;
      if (event.type === 'ConcertCreated') {
        const { concertId, title, schedules: definitions } = event.data as ConcertCreated['data'];
        documentId(concertId);
        const scheduleIds = definitions.map((s) => s.scheduleId);
        concerts.create(concertId, { title, scheduleIds }, position, { created: position });
        for (const schedule of definitions) {
          schedules.create(schedule.scheduleId, { concertId, startsAt: schedule.startsAt }, position);
          seats.layOut(layOutBlocks(concertId, schedule, position), schedule.scheduleId, position);
        }
      } else if (event.type === 'SeatHeld' || event.type === 'SeatSold' || event.type === 'SeatReleased') {
        seats.add(event as unknown as SeatDeciderEvent, position);
      } else if (WALLET_EVENTS.has(event.type)) {
        // Each carries the balance after it: the whole wallet.
        const { userId, balance } = event.data as WalletEvent['data'];
        wallets.create(documentId(userId), { balance }, position);
      } else if (RESERVATION_EVENTS.has(event.type)) {
        planReservation(reservations, event);
      }
    } catch {
      skipped += 1;
    }
  }
  return {
    concerts: concerts.writes(),
    schedules: schedules.writes(),
    reservations: reservations.writes(),
    wallets: wallets.writes(),
    layouts: seats.layouts(),
    seatRounds: seats.rounds(),
    staleBlocks: seats.staleBlocks,
    skipped,
  };
}

// The in-memory projections' own lists: both stores follow the same events.
const WALLET_EVENTS = new Set(walletsProjection.handles);
const RESERVATION_EVENTS = new Set(reservationsProjection.handles);

/**
 * An event whose document id is not a string is skipped: inserted as it is,
 * the driver would give it a fresh ObjectId, a new document on every delivery.
 */
function documentId(id: unknown): string {
  if (typeof id !== 'string') throw new TypeError(`document id ${String(id)} is not a string`);
  return id;
}

function planReservation(reservations: DocumentWrites, recorded: RecordedEvent): void {
  const event = recorded as unknown as ReservationEvent;
  const reservationId = documentId(event.data.reservationId);
  const updatedAt = recorded.recordedAt.getTime();
  const set = (fields: Record<string, unknown>) =>
    reservations.update(reservationId, { ...fields, updatedAt }, recorded.position);
  switch (event.type) {
    case 'ReservationRequested': {
      const { userId, concertId, scheduleId, queueEntryId, seatIds, amount, expiresAt } = event.data;
      const fields = { reservationId, userId, concertId, scheduleId, queueEntryId, seatIds, amount, expiresAt };
      const fresh = { phase: 'pending', paymentInFlight: null, paymentId: null, updatedAt };
      return reservations.create(reservationId, { ...fields, ...fresh }, recorded.position);
    }
    case 'ReservationHeld':
      return set({ phase: 'held' });
    case 'ReservationRejected':
      return set({ phase: 'rejected' });
    case 'ReservationCancelled':
      return set({ phase: 'cancelled' });
    case 'ReservationExpired':
      return set({ phase: 'expired' });
    case 'PaymentStarted':
      return set({ paymentInFlight: event.data.paymentId });
    case 'PaymentFailed':
      return set({ paymentInFlight: null });
    case 'ReservationPaid':
      return set({ phase: 'paid', paymentInFlight: null, paymentId: event.data.paymentId });
  }
}

/** The batch's seat events, by block and seat, and the blocks its ConcertCreated events lay out. */
class SeatPlan {
  private readonly laidOut = new Map<string, SeatBlockDocument>();
  private readonly events = new Map<string, Map<number, SeatEvent[]>>();
  readonly staleBlocks: Filter<SeatBlockDocument>[] = [];

  layOut(blocks: readonly SeatBlockDocument[], scheduleId: string, position: number): void {
    for (const block of blocks) {
      this.laidOut.set(block._id, block);
      // A layout replaces the block: seat events before it in the batch no longer matter.
      this.events.delete(block._id);
    }
    const blockNos = blocks.map((block) => block.blockNo);
    this.staleBlocks.push({ scheduleId, position: { $lt: position }, blockNo: { $nin: blockNos } });
  }

  add(event: SeatDeciderEvent, position: number): void {
    const address = seatAddress(event.data.seatId);
    if (!address) return;
    const { reservationId } = event.data;
    const seatEvent: SeatEvent =
      event.type === 'SeatHeld'
        ? { type: event.type, position, reservationId, heldUntil: Date.parse(event.data.expiresAt) || 0 }
        : { type: event.type, position, reservationId };
    const blockId = blockIdOf(address.scheduleId, blockNoOf(address.seatNo));
    let block = this.events.get(blockId);
    if (!block) this.events.set(blockId, (block = new Map()));
    const seat = block.get(address.seatNo);
    if (seat) seat.push(seatEvent);
    else block.set(address.seatNo, [seatEvent]);
  }

  layouts(): DocumentWrite[] {
    return [...this.laidOut.values()].map(({ _id, ...block }): DocumentWrite => ({
      id: _id,
      op: { insertOne: { document: { _id, ...block } } },
      orElse: { filter: { _id, position: { $lt: block.position } }, update: { $set: block } },
    }));
  }

  rounds(): SeatsWrite[][] {
    const rounds: SeatsWrite[][] = [];
    for (const [blockId, seats] of this.events) {
      const bySeat = [...seats].map(([seatNo, events]) => seatSteps(seatNo, events));
      for (let round = 0; ; round += 1) {
        const steps = bySeat.flatMap((steps) => steps[round] ?? []);
        if (steps.length === 0) break;
        (rounds[round] ??= []).push({ id: blockId, ...seatsWrite(blockId, steps), each: oneByOne(blockId, steps) });
      }
    }
    return rounds;
  }
}

const oneByOne = (blockId: string, steps: readonly SeatStep[]): DocumentWrite[] =>
  steps.length < 2
    ? []
    : steps.map((step): DocumentWrite => ({ id: blockId, op: { updateOne: seatsWrite(blockId, [step]) } }));
