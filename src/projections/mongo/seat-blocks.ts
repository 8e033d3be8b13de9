import type { Filter, UpdateFilter } from 'mongodb';
import type { ScheduleDefinition } from '../../write/catalog/concert.decider';
import type { SeatBlockDocument, StoredDocument } from './collections';

export const SEATS_PER_BLOCK = 100;

export const blockIdOf = (scheduleId: string, blockNo: number) => `${scheduleId}:${blockNo}`;
export const blockNoOf = (seatNo: number) => Math.floor((seatNo - 1) / SEATS_PER_BLOCK);

/** One entry of a block's layout. */
export type LaidOutSeat = [order: number, seatNo: number, price: number];

/**
 * Where a seat event's seat lives. Seat ids are `<scheduleId>.<seatNo>` (the
 * catalog decider makes them so); an id that does not end in a seat number
 * names no seat of any schedule, as in the in-memory projection.
 */
export function seatAddress(seatId: string): { scheduleId: string; seatNo: number } | undefined {
  const dot = seatId.lastIndexOf('.');
  const number = seatId.slice(dot + 1);
  if (dot < 0 || !/^(0|-?[1-9]\d*)$/.test(number)) return undefined;
  const seatNo = Number(number);
  return Number.isSafeInteger(seatNo) ? { scheduleId: seatId.slice(0, dot), seatNo } : undefined;
}

/**
 * A schedule's blocks as ConcertCreated lays them out. A seat number listed
 * twice keeps its first place and its last price, as the in-memory map does;
 * a seat number that is not an integer cannot be addressed and is left out
 * (the API accepts 1 … 1,000,000 only).
 */
export function layOutBlocks(concertId: string, schedule: ScheduleDefinition, position: number): SeatBlockDocument[] {
  const seats = new Map<number, LaidOutSeat>();
  schedule.seats.forEach(({ seatNo, price }, order) => {
    if (!Number.isSafeInteger(seatNo)) return;
    const known = seats.get(seatNo);
    if (known) known[2] = price;
    else seats.set(seatNo, [order, seatNo, price]);
  });
  const blocks = new Map<number, LaidOutSeat[]>();
  for (const seat of seats.values()) {
    const blockNo = blockNoOf(seat[1]);
    const block = blocks.get(blockNo);
    if (block) block.push(seat);
    else blocks.set(blockNo, [seat]);
  }
  return [...blocks].map(([blockNo, layout]) => {
    const numbers = new Set(layout.map(([, seatNo]) => seatNo));
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    const gaps: number[] = [];
    for (let seatNo = lo; seatNo <= hi; seatNo += 1) if (!numbers.has(seatNo)) gaps.push(seatNo);
    return {
      _id: blockIdOf(schedule.scheduleId, blockNo),
      scheduleId: schedule.scheduleId,
      blockNo,
      concertId,
      startsAt: schedule.startsAt,
      position,
      layout: JSON.stringify(layout),
      n: layout.length,
      lo,
      hi,
      gaps,
      st: {},
      holds: {},
      sold: {},
    };
  });
}

/** Seats of the block that are neither sold nor held at `now`, as seatStatus counts them. */
export function availableIn(block: Pick<SeatBlockDocument, 'n' | 'holds' | 'sold'>, now: number): number {
  const sold = block.sold ?? {};
  let taken = Object.keys(sold).length;
  for (const [seatNo, until] of Object.entries(block.holds ?? {})) {
    if (until > now && !Object.hasOwn(sold, seatNo)) taken += 1;
  }
  return block.n - taken;
}

export type SeatEvent =
  | { type: 'SeatHeld'; position: number; reservationId: string; heldUntil: number }
  | { type: 'SeatSold'; position: number; reservationId: string }
  | { type: 'SeatReleased'; position: number; reservationId: string };

/** A field of the seat (`h`, `u`, `s`) or the seat's entry in the block's summary (`holds`, `sold`). */
type Field = 'h' | 'u' | 's' | 'holds' | 'sold';
/** New values; undefined removes the field. */
type Changes = Map<Field, string | number | undefined>;

/**
 * What one write does to one seat: the net effect of consecutive events of a
 * batch that does not depend on what is stored, or a single release, which
 * applies only if the stored holder is the releasing reservation.
 */
export type SeatStep = {
  readonly seatNo: number;
  readonly first: number;
  last: number;
  readonly ifHolder?: string;
  readonly changes: Changes;
};

const RELEASED: [Field, undefined][] = [
  ['h', undefined],
  ['u', undefined],
  ['s', undefined],
  ['holds', undefined],
  ['sold', undefined],
];

/**
 * One seat's events of a batch (ascending) as steps. A hold or a sale sets
 * fields whatever the seat held before; a release after a hold in the same
 * batch is decided here, since that hold named the holder; any other release
 * depends on the stored holder and gets a step of its own.
 */
export function seatSteps(seatNo: number, events: readonly SeatEvent[]): SeatStep[] {
  const steps: SeatStep[] = [];
  let step: SeatStep | undefined;
  let holder: { id: string | undefined } | undefined;
  const open = (position: number) => {
    if (!step) steps.push((step = { seatNo, first: position, last: position, changes: new Map() }));
    step.last = position;
    return step.changes;
  };
  for (const event of events) {
    if (event.type === 'SeatHeld') {
      const id = event.reservationId;
      open(event.position)
        .set('h', id)
        .set('u', event.heldUntil)
        .set('holds', id ? event.heldUntil : undefined);
      holder = { id };
    } else if (event.type === 'SeatSold') {
      const id = event.reservationId;
      open(event.position)
        .set('s', id)
        .set('sold', id ? 1 : undefined);
    } else if (holder) {
      if (holder.id !== event.reservationId) continue;
      const changes = open(event.position);
      for (const [field, value] of RELEASED) changes.set(field, value);
      holder = { id: undefined };
    } else {
      const { position, reservationId } = event;
      steps.push({ seatNo, first: position, last: position, ifHolder: reservationId, changes: new Map(RELEASED) });
      step = undefined;
    }
  }
  return steps;
}

/**
 * Applies `steps` (one per seat) to a block in one update, or not at all:
 * each seat must exist, must not have applied its step's last event, and
 * must be held by the releasing reservation where a step asks; and the block
 * must have been laid out before the steps' events.
 */
export function seatsWrite(blockId: string, steps: readonly SeatStep[]) {
  const seatNos = steps.map((step) => step.seatNo);
  const filter: Record<string, unknown> = {
    _id: blockId,
    position: { $lt: Math.min(...steps.map((step) => step.first)) },
    lo: { $lte: Math.min(...seatNos) },
    hi: { $gte: Math.max(...seatNos) },
    gaps: { $nin: seatNos },
  };
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, ''> = {};
  for (const { seatNo, last, ifHolder, changes } of steps) {
    // Matches a seat no event has touched yet, which has no `st` entry.
    filter[`st.${seatNo}.p`] = { $not: { $gte: last } };
    if (ifHolder !== undefined) filter[`st.${seatNo}.h`] = ifHolder;
    $set[`st.${seatNo}.p`] = last;
    for (const [field, value] of changes) {
      const path = field === 'holds' || field === 'sold' ? `${field}.${seatNo}` : `st.${seatNo}.${field}`;
      if (value === undefined) $unset[path] = '';
      else $set[path] = value;
    }
  }
  const update = Object.keys($unset).length ? { $set, $unset } : { $set };
  return { filter: filter as Filter<StoredDocument>, update: update as UpdateFilter<StoredDocument> };
}
