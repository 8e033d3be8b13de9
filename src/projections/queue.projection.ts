import { isPreQueueSeed, preQueueOrder, preQueueRanks } from '../shared/pre-queue-order';
import type { ConcertCreated, ConcertOnSaleRescheduled } from '../write/catalog/concert.decider';
import type { AdmissionRateSet, QueueAdmitted, QueueOpened } from '../write/queue/admission.decider';
import type { QueueCompleted, QueueJoined } from '../write/queue/queue-entry.decider';
import { Document, Projection, data } from './projection';
import { QueueEntries } from './queue-entries';

/** One entry as a plain object: what `QueueDoc.entry` gives (the document itself keeps columns, see queue-entries.ts). */
export type QueueEntryDoc = {
  entryId: string;
  userId: string;
  /** 1-based place in the concert's join order. */
  joinIndex: number;
  joinedPosition: number;
  /** Epoch ms, set on admission. */
  activeUntil: number | undefined;
  completed: boolean;
};

/**
 * One document per concert. Admission is FIFO, so the admitted entries are
 * exactly the first `admitted` of the join order, and a waiting entry's place
 * is `joinIndex - admitted`: O(1), no scan, at any queue size.
 */
export class QueueDoc implements Document {
  position = 0;
  admitted = 0;
  /** Recent admissions (epoch ms, count) for the ETA estimate. */
  admissions: { at: number; count: number }[] = [];
  /** The admin paused admission: waiting entries read PAUSED. */
  paused = false;
  /** The inflow rate in force (ETA), from the concert, then from the ledger; undefined is no limit. */
  admitPerMinute: number | undefined = undefined;
  /** The scheduled opening (epoch ms); until QueueOpened, every waiting entry reads PRE_QUEUE. */
  onSaleAt: number | undefined = undefined;
  opened = false;
  /** From the opening: the place in admission order (0-based) of each pre-queue row; later rows keep their own. */
  preQueueRanks: Uint32Array | undefined = undefined;
  readonly entries = new QueueEntries();

  constructor(readonly concertId: string) {}

  /** Entry ids in join order (an id that joined again appears again). */
  order(): string[] {
    return this.entries.entryIds();
  }

  entry(entryId: string): QueueEntryDoc | undefined {
    const row = this.entries.rowOf(entryId);
    if (row < 0) return undefined;
    return {
      entryId,
      userId: this.entries.userId(row),
      joinIndex: row + 1,
      joinedPosition: this.entries.joinedPosition(row),
      activeUntil: this.entries.activeUntil(row),
      completed: this.entries.isCompleted(row),
    };
  }

  /** Where a row stands in admission order (0-based): admission takes them in this order, so it is a row's place. */
  admissionIndex(row: number): number {
    return this.preQueueRanks && row < this.preQueueRanks.length ? this.preQueueRanks[row] : row;
  }

  /** Waiting entries are in the pre-queue, with no place yet. */
  get beforeOpening(): boolean {
    return this.onSaleAt !== undefined && !this.opened;
  }

  /** The user's entry ids, oldest first. */
  entriesOf(userId: string): string[] {
    return this.entries.entryIdsOf(userId);
  }

  /** Entries of this concert admitted in the minute before `now`. */
  admittedSince(since: number): number {
    let count = 0;
    for (const admission of this.admissions) if (admission.at > since) count += admission.count;
    return count;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';
/** An opening time as epoch ms; anything unparsable is no scheduled opening, in every store alike. */
export const timeOf = (value: unknown): number | undefined => {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};
/** A rate that is not a positive number is no limit, in every store alike. */
export const rateOf = (value: unknown): number | undefined =>
  typeof value === 'number' && value > 0 ? value : undefined;

export const queuesProjection: Projection<QueueDoc> = {
  name: 'queues',
  version: 3,
  handles: [
    'QueueJoined',
    'QueueAdmitted',
    'QueueCompleted',
    'ConcertCreated',
    'AdmissionPaused',
    'AdmissionResumed',
    'AdmissionRateSet',
    'ConcertOnSaleRescheduled',
    'QueueOpened',
  ],
  documentIds: (event) =>
    event.type === 'QueueCompleted'
      ? [event.streamId.slice('QueueEntry-'.length).split('.')[0]]
      : [data<{ concertId: string }>(event).concertId],
  apply: (existing, event, concertId) => {
    const doc = existing ?? new QueueDoc(concertId);
    if (event.type === 'QueueJoined') {
      const { entryId, userId } = data<QueueJoined['data']>(event);
      // Checked before anything changes: a poison event leaves the document as it was.
      if (!isString(entryId) || !isString(userId)) throw new Error('QueueJoined without entryId and userId');
      doc.entries.join(entryId, userId, event.position);
    } else if (event.type === 'QueueAdmitted') {
      const { entries, activeUntil } = data<QueueAdmitted['data']>(event);
      const ids: unknown[] = Array.isArray(entries) ? entries.map((admitted) => admitted?.entryId) : [];
      if (!Array.isArray(entries) || !ids.every(isString) || !isString(activeUntil)) {
        throw new Error('QueueAdmitted without entry ids and activeUntil');
      }
      // An unparsable time is NaN: the entries read EXPIRED, as in Redis.
      const until = Date.parse(activeUntil);
      for (const id of ids) {
        const row = doc.entries.rowOf(id);
        if (row >= 0 && doc.entries.admit(row, until)) doc.admitted += 1;
      }
      const at = event.recordedAt.getTime();
      doc.admissions = [...doc.admissions.filter((a) => a.at > at - 60_000), { at, count: entries.length }];
    } else if (event.type === 'QueueCompleted') {
      const row = doc.entries.rowOf(data<QueueCompleted['data']>(event).entryId);
      if (row >= 0) doc.entries.complete(row);
    } else if (event.type === 'ConcertCreated') {
      doc.admitPerMinute = rateOf(data<ConcertCreated['data']>(event).admitPerMinute);
      doc.onSaleAt = timeOf(data<ConcertCreated['data']>(event).onSaleAt);
    } else if (event.type === 'ConcertOnSaleRescheduled') {
      doc.onSaleAt = timeOf(data<ConcertOnSaleRescheduled['data']>(event).onSaleAt) ?? doc.onSaleAt;
    } else if (event.type === 'QueueOpened') {
      const { seed } = data<QueueOpened['data']>(event);
      if (!isPreQueueSeed(seed)) throw new Error('QueueOpened without a valid seed');
      // Every row so far joined before the opening: the pre-queue, shuffled as the admission leader shuffles it.
      if (!doc.opened) doc.preQueueRanks = preQueueRanks(preQueueOrder(doc.entries.size, seed));
      doc.opened = true;
    } else if (event.type === 'AdmissionRateSet') {
      doc.admitPerMinute = rateOf(data<AdmissionRateSet['data']>(event).admitPerMinute);
    } else if (event.type === 'AdmissionPaused' || event.type === 'AdmissionResumed') {
      doc.paused = event.type === 'AdmissionPaused';
    }
    return doc;
  },
};

export type QueueStatus = 'WAITING' | 'ACTIVE' | 'EXPIRED' | 'DONE';
/** What a status read answers: a WAITING entry reads PRE_QUEUE before the opening, PAUSED while admission is paused. */
export type QueueReadStatus = QueueStatus | 'PAUSED' | 'PRE_QUEUE';

export function queueEntryStatus(entry: Pick<QueueEntryDoc, 'activeUntil' | 'completed'>, now: number): QueueStatus {
  if (entry.completed) return 'DONE';
  if (entry.activeUntil === undefined) return 'WAITING';
  return entry.activeUntil > now ? 'ACTIVE' : 'EXPIRED';
}

/** The status of a row of `entries`, by the same rule as queueEntryStatus, without building the entry. */
export function queueRowStatus(entries: QueueEntries, row: number, now: number): QueueStatus {
  if (entries.isCompleted(row)) return 'DONE';
  if (!entries.isAdmitted(row)) return 'WAITING';
  return entries.activeUntil(row)! > now ? 'ACTIVE' : 'EXPIRED';
}
