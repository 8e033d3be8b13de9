import type { RecordedEvent } from '../../event-store/event-store.port';
import { preQueueOrder } from '../../shared/pre-queue-order';
import { AdmittedEntry, QueueAdmitted, QueueOpened, rankOf } from './admission.decider';
import type { QueueCompleted, QueueJoined } from './queue-entry.decider';

/** The event types the admission process follows. */
export const WAITING_LINE_EVENTS = ['QueueJoined', 'QueueAdmitted', 'QueueCompleted', 'QueueOpened'] as const;

type Line = {
  /** Entries not yet admitted when last compacted, in admission (rank) order; `head` is the first not yet admitted. */
  waiting: AdmittedEntry[];
  head: number;
  /**
   * Once opened, the shuffled pre-queue is `waiting[..preQueueEnd]`; until
   * all of it is admitted the low-water mark stays before its first join, so
   * a new leader reads every pre-queue join again and shuffles them alike.
   */
  preQueue: { restartAfter: number; lastJoin: number; end: number } | undefined;
  servedUpTo: number;
  /**
   * A position this index applied (or started from) with every entry still
   * waiting after it: a new leader reads on from there. Always a position the
   * store gave out, never one made up by arithmetic (KurrentDB refuses those).
   */
  restartAfter: number;
  /** Admissions that may still hold slots: the position applied before each (for the low-water mark) and their end. */
  admissions: { after: number; activeUntil: number }[];
  /** Completed entries that may still be counted against a slot. */
  completed: Set<string>;
};

const QUEUE_ENTRY = 'QueueEntry-';

/**
 * The admission leader's write-side index, fed from a filtered read of the
 * log: per concert, who waits in join order, and which admitted entries have
 * completed (freeing their slot). It never holds more than the people still
 * waiting and the slots still taken, and it can be rebuilt from its low-water
 * mark: everything before it is admitted and expired or completed.
 */
export class WaitingLines {
  private readonly lines = new Map<string, Line>();

  constructor(
    /** The last log position applied. */
    public cursor: number,
  ) {}

  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.position <= this.cursor) continue;
      const before = this.cursor;
      this.cursor = event.position;
      if (event.type === 'QueueJoined') {
        const { entryId, userId, concertId } = event.data as QueueJoined['data'];
        const line = this.line(concertId);
        if (event.position > line.servedUpTo) {
          if (line.head === line.waiting.length) line.restartAfter = before;
          line.waiting.push({ entryId, userId, joinedPosition: event.position });
        }
      } else if (event.type === 'QueueAdmitted') {
        const { concertId, entries, activeUntil } = event.data as QueueAdmitted['data'];
        const line = this.line(concertId);
        line.servedUpTo = Math.max(line.servedUpTo, ...entries.map(rankOf));
        while (line.head < line.waiting.length && rankOf(line.waiting[line.head]) <= line.servedUpTo) {
          pass(line);
        }
        compact(line);
        line.admissions.push({ after: before, activeUntil: Date.parse(activeUntil) });
      } else if (event.type === 'QueueCompleted') {
        const concertId = event.streamId.slice(QUEUE_ENTRY.length, event.streamId.lastIndexOf('.'));
        this.line(concertId).completed.add((event.data as QueueCompleted['data']).entryId);
      } else if (event.type === 'QueueOpened') {
        const { concertId, seed } = event.data as QueueOpened['data'];
        open(this.line(concertId), seed);
      }
    }
  }

  /** Concerts with someone waiting. */
  concertsWaiting(): string[] {
    return [...this.lines].filter(([, line]) => line.head < line.waiting.length).map(([id]) => id);
  }

  /** The first `count` waiting entries of a concert, in join order. */
  candidates(concertId: string, count: number): AdmittedEntry[] {
    const line = this.lines.get(concertId);
    return line ? line.waiting.slice(line.head, line.head + count) : [];
  }

  completed(concertId: string): ReadonlySet<string> {
    return this.lines.get(concertId)?.completed ?? new Set();
  }

  /** Drops the completions of entries that no longer hold a slot. */
  keepCompleted(concertId: string, holdingSlots: ReadonlySet<string>): void {
    const completed = this.lines.get(concertId)?.completed;
    if (completed) for (const entryId of completed) if (!holdingSlots.has(entryId)) completed.delete(entryId);
  }

  /**
   * The position before which nothing matters any more at `now`: every
   * earlier join is admitted, every earlier admission has run out. Forgets
   * what lies before it.
   */
  lowWater(now: number): number {
    let low = this.cursor;
    for (const line of this.lines.values()) {
      line.admissions = line.admissions.filter((a) => a.activeUntil > now);
      if (line.admissions.length === 0) line.completed.clear();
      if (line.preQueue && line.head < line.preQueue.end) low = Math.min(low, line.preQueue.restartAfter);
      else if (line.head < line.waiting.length) low = Math.min(low, line.restartAfter);
      if (line.admissions.length > 0) low = Math.min(low, line.admissions[0].after);
    }
    return low;
  }

  private line(concertId: string): Line {
    let line = this.lines.get(concertId);
    if (!line) {
      line = {
        waiting: [],
        head: 0,
        preQueue: undefined,
        servedUpTo: 0,
        restartAfter: this.cursor,
        admissions: [],
        completed: new Set(),
      };
      this.lines.set(concertId, line);
    }
    return line;
  }
}

/**
 * Moves the head past an admitted entry. Outside the pre-queue the line is in
 * join order, so every entry still waiting joined after the one passed; the
 * pre-queue, shuffled, is behind its last join only once all of it is passed.
 */
function pass(line: Line): void {
  const passed = line.waiting[line.head];
  line.head += 1;
  if (!line.preQueue || line.head > line.preQueue.end) line.restartAfter = passed.joinedPosition;
  else if (line.head === line.preQueue.end) line.restartAfter = line.preQueue.lastJoin;
}

// Admitted entries are dropped from the front in chunks, so a long line costs no copying per admission.
function compact(line: Line): void {
  if (line.head > 1024 && line.head * 2 > line.waiting.length) {
    if (line.preQueue) line.preQueue = { ...line.preQueue, end: Math.max(0, line.preQueue.end - line.head) };
    line.waiting = line.waiting.slice(line.head);
    line.head = 0;
  }
}

/**
 * The opening: every entry waiting now joined before it (nobody is admitted
 * before the opening), so they are the whole pre-queue, in join order. Each
 * takes the rank its shuffled place gives it, as every reader of the log does.
 */
function open(line: Line, seed: number): void {
  if (line.preQueue) return;
  const pre = line.waiting.slice(line.head);
  if (pre.length === 0) return;
  const order = preQueueOrder(pre.length, seed);
  const shuffled = Array.from(order, (joinIndex, rank) => ({ ...pre[joinIndex], rank: pre[rank].joinedPosition }));
  line.waiting = shuffled;
  line.head = 0;
  line.preQueue = {
    restartAfter: line.restartAfter,
    lastJoin: pre[pre.length - 1].joinedPosition,
    end: shuffled.length,
  };
}
