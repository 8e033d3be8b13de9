import type { EventStore, RecordedEvent } from '../../event-store/event-store.port';
import type { Checkpoints } from '../../shared/checkpoints';
import { preQueueOrder } from '../../shared/pre-queue-order';
import { QueueAdmitted, QueueOpened, rankOf } from './admission.decider';
import type { QueueJoined } from './queue-entry.decider';

/** The admission leader's low-water mark: every join before it is admitted (see AdmissionProcess). */
export const ADMISSION_CHECKPOINT = 'queue-admission';
export const PLACE_EVENTS = ['QueueJoined', 'QueueAdmitted', 'QueueOpened'] as const;

const PAGE = 10_000;
const MINUTE_MS = 60_000;

export type Place =
  | { readonly admitted: true }
  /** Joined before the scheduled opening, which this index has not seen yet. */
  | { readonly admitted: false; readonly preQueue: true }
  | {
      readonly admitted: false;
      readonly preQueue?: false;
      readonly position: number;
      readonly admittedLastMinute: number;
    };

/**
 * One concert's joins not yet admitted, as log positions in ascending order
 * (8 bytes a head). Admission goes by rank, and the ranks of a line are its
 * join positions, reordered for the pre-queue at the opening: so the joins
 * double as the sorted ranks, and a place is a count of ranks.
 */
class Line {
  joins = new Float64Array(1024);
  /** Set at the opening: the rank of each pre-queue join, by its position. */
  preQueueRanks: Map<number, number> | undefined;
  opened = false;
  start = 0;
  end = 0;
  servedUpTo = 0;
  admissions: { at: number; count: number }[] = [];

  push(position: number): void {
    if (this.end === this.joins.length) {
      const live = this.end - this.start;
      const grown = new Float64Array(Math.max(1024, live * 2));
      grown.set(this.joins.subarray(this.start, this.end));
      this.joins = grown;
      this.start = 0;
      this.end = live;
    }
    this.joins[this.end++] = position;
  }

  admit(servedUpTo: number, at: number, count: number): void {
    this.servedUpTo = Math.max(this.servedUpTo, servedUpTo);
    this.start = this.countUpTo(this.servedUpTo);
    this.admissions = [...this.admissions.filter((a) => a.at > at - MINUTE_MS), { at, count }];
  }

  open(seed: number): void {
    this.opened = true;
    // Nobody is admitted before the opening: the joins still here are the whole pre-queue, in join order.
    const pre = this.joins.slice(this.start, this.end);
    const order = preQueueOrder(pre.length, seed);
    this.preQueueRanks = new Map(Array.from(order, (joinIndex, rank) => [pre[joinIndex], pre[rank]]));
  }

  rankOf(joinedPosition: number): number {
    return this.preQueueRanks?.get(joinedPosition) ?? joinedPosition;
  }

  /** Index just past the last join at or before `position`: a binary search. */
  countUpTo(position: number): number {
    let low = this.start;
    let high = this.end;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.joins[mid] <= position) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/**
 * Where a join stands in its concert's line, for the join's own answer: a
 * write-side index of the joins still waiting, fed by a filtered read of the
 * log from the admission leader's low-water mark (everything before it is
 * admitted), so it never holds more than the people waiting. Admission is
 * FIFO, so a place is the number of joins after the last admitted one up to
 * this one: two binary searches, whatever the size of the line.
 */
export class QueuePlaces {
  private cursor: number | undefined;
  private readonly lines = new Map<string, Line>();
  private reading: Promise<boolean> | undefined;

  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly checkpoints: Checkpoints,
  ) {}

  /** The log position this index has applied, once it has started. */
  get position(): number | undefined {
    return this.cursor;
  }

  /**
   * The place of the join recorded at `joinedPosition`, with the index read up
   * to it first. `servedUpTo` is the concert's ledger as the caller knows it:
   * it covers admissions older than this index's start. `opening` is that
   * ledger's word on a scheduled opening: 'ahead' until it records QueueOpened.
   */
  async placeOf(
    concertId: string,
    joinedPosition: number,
    servedUpTo: number,
    now: number,
    opening: 'none' | 'ahead' | 'opened' = 'none',
  ): Promise<Place> {
    await this.catchUp(joinedPosition);
    let line = this.lines.get(concertId);
    // A scheduled concert's joins before its QueueOpened wait for the shuffle: no place yet.
    if (opening !== 'none' && !line?.opened) {
      if (opening === 'ahead') return { admitted: false, preQueue: true };
      // The opening came after this join (a join asked about again): read on to it.
      await this.catchUp(Number.MAX_SAFE_INTEGER);
      line = this.lines.get(concertId);
      if (!line?.opened) return { admitted: false, preQueue: true };
    }
    const rank = line ? line.rankOf(joinedPosition) : joinedPosition;
    const served = Math.max(servedUpTo, line?.servedUpTo ?? 0);
    if (rank <= served) return { admitted: true };
    const position = line ? line.countUpTo(rank) - line.countUpTo(served) : 0;
    const admittedLastMinute = (line?.admissions ?? [])
      .filter((a) => a.at > now - MINUTE_MS)
      .reduce((sum, a) => sum + a.count, 0);
    return { admitted: false, position: Math.max(1, position), admittedLastMinute };
  }

  /** Reads the log until it has applied `target`; one read at a time serves every caller waiting. */
  async catchUp(target: number): Promise<void> {
    if (this.cursor !== undefined && this.cursor >= target) return;
    // A read already under way may have started before `target` was written: it cannot be trusted to have seen it.
    await this.reading?.catch(() => undefined);
    while (this.cursor === undefined || this.cursor < target) {
      this.reading ??= this.readPage().finally(() => (this.reading = undefined));
      // This read began after the call did, so a short page has seen everything written before it.
      if (!(await this.reading)) return;
    }
  }

  /** True when the page was full (more may follow at once). */
  private async readPage(): Promise<boolean> {
    this.cursor ??= await this.checkpoints.load(ADMISSION_CHECKPOINT);
    const events = await this.store.readAll(this.cursor, PAGE, { types: PLACE_EVENTS });
    this.apply(events);
    return events.length === PAGE;
  }

  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (this.cursor !== undefined && event.position <= this.cursor) continue;
      this.cursor = event.position;
      if (event.type === 'QueueJoined') {
        this.line((event.data as QueueJoined['data']).concertId).push(event.position);
      } else if (event.type === 'QueueAdmitted') {
        const { concertId, entries } = event.data as QueueAdmitted['data'];
        const last = Math.max(0, ...entries.map(rankOf));
        this.line(concertId).admit(last, event.recordedAt.getTime(), entries.length);
      } else if (event.type === 'QueueOpened') {
        const { concertId, seed } = event.data as QueueOpened['data'];
        const line = this.line(concertId);
        if (!line.opened) line.open(seed);
      }
    }
  }

  private line(concertId: string): Line {
    let line = this.lines.get(concertId);
    if (!line) {
      line = new Line();
      this.lines.set(concertId, line);
    }
    return line;
  }
}
