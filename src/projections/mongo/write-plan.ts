import type { Filter } from 'mongodb';
import type { RecordedEvent } from '../../event-store/event-store.port';
import type { ConcertCreated } from '../../write/catalog/concert.decider';
import type { SeatEvent as SeatDeciderEvent } from '../../write/reservations/seat.decider';
import { documentId } from '../projection';
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

/**
 * The schedules and their seats in MongoDB: the one projection stored in a
 * form of its own, not as the documents of schedulesProjection. There a
 * schedule is one document holding every seat (100,000 of them in a
 * stadium), and a hold changes a few seats; here a schedule is a small
 * document (its concert and start time) and its seats live in blocks of 100
 * (seat-blocks.ts), each seat updated in place with `$set`, guarded by the
 * position that seat last applied. Measured (bench/seat-writes.bench.ts,
 * FerretDB v1 on PostgreSQL, batches of 20 holds): 2,000 seats, ~95 ms a
 * batch in blocks against ~560 ms loading, evolving and rewriting the whole
 * schedule (136 kB); 20,000 seats, ~125 ms against ~4,500 ms (1.4 MB). A
 * 100,000-seat schedule would be a ~7 MB document rewritten on every batch,
 * half the 16 MB limit. (Seat ids hold a `.`, so seats could not even be
 * keyed by id in one document.) The specs run the same logs through this
 * form and through schedulesProjection and compare the seats
 * (same-as-projections.contract.ts, run by same-as-projections.spec.ts and,
 * against the server, same-as-projections.int.spec.ts).
 */
export type WritePlan = {
  readonly schedules: DocumentWrite[];
  /** Blocks laid out by this batch's ConcertCreated events, written before any seat step. */
  readonly layouts: DocumentWrite[];
  /** Round `r` holds every block's `r`-th step of each seat; a round starts when the previous one is done. */
  readonly seatRounds: SeatsWrite[][];
  /** Blocks an earlier layout of a re-created schedule had and the new one has not. */
  readonly staleBlocks: Filter<SeatBlockDocument>[];
  /** Events whose data could not be read; they are skipped, as the in-memory runner skips them. */
  readonly skipped: number;
};

/** A batch (ascending positions, any types) as the writes that bring the schedules and their seats past it. */
export function planWrites(events: readonly RecordedEvent[]): WritePlan {
  const schedules = new DocumentWrites();
  const seats = new SeatPlan();
  let skipped = 0;
  for (const event of events) {
    try {
      const { position } = event;
      if (event.type === 'ConcertCreated') {
        const { concertId, schedules: definitions } = event.data as ConcertCreated['data'];
        documentId(concertId);
        definitions.forEach((schedule) => documentId(schedule.scheduleId));
        for (const schedule of definitions) {
          schedules.create(schedule.scheduleId, { concertId, startsAt: schedule.startsAt }, position);
          seats.layOut(layOutBlocks(concertId, schedule, position), schedule.scheduleId, position);
        }
      } else if (event.type === 'SeatHeld' || event.type === 'SeatSold' || event.type === 'SeatReleased') {
        seats.add(event as unknown as SeatDeciderEvent, position);
      }
    } catch {
      skipped += 1;
    }
  }
  return {
    schedules: schedules.writes(),
    layouts: seats.layouts(),
    seatRounds: seats.rounds(),
    staleBlocks: seats.staleBlocks,
    skipped,
  };
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
