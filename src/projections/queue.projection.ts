import type { ConcertCreated } from '../write/catalog/concert.decider';
import type { AdmissionRateSet, QueueAdmitted } from '../write/queue/admission.decider';
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
/** A rate that is not a positive number is no limit, in every store alike. */
export const rateOf = (value: unknown): number | undefined =>
  typeof value === 'number' && value > 0 ? value : undefined;

export const queuesProjection: Projection<QueueDoc> = {
  name: 'queues',
  version: 2,
  handles: [
    'QueueJoined',
    'QueueAdmitted',
    'QueueCompleted',
    'ConcertCreated',
    'AdmissionPaused',
    'AdmissionResumed',
    'AdmissionRateSet',
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
    } else if (event.type === 'AdmissionRateSet') {
      doc.admitPerMinute = rateOf(data<AdmissionRateSet['data']>(event).admitPerMinute);
    } else if (event.type === 'AdmissionPaused' || event.type === 'AdmissionResumed') {
      doc.paused = event.type === 'AdmissionPaused';
    }
    return doc;
  },
};

export type QueueStatus = 'WAITING' | 'ACTIVE' | 'EXPIRED' | 'DONE';
/** What a status read answers: a WAITING entry reads PAUSED while admission is paused. */
export type QueueReadStatus = QueueStatus | 'PAUSED';

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
