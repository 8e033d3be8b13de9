import type { QueueAdmitted } from '../write/queue/admission.decider';
import type { QueueCompleted, QueueJoined } from '../write/queue/queue-entry.decider';
import { Document, Projection, data } from './projection';

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
 * exactly the first `admitted` of `order`, and a waiting entry's place is
 * `joinIndex - admitted`: O(1), no scan.
 */
export type QueueDoc = Document & {
  concertId: string;
  order: string[];
  admitted: number;
  entries: Map<string, QueueEntryDoc>;
  entriesByUser: Map<string, string[]>;
  /** Recent admissions (epoch ms, count) for the ETA estimate. */
  admissions: { at: number; count: number }[];
};

export const queuesProjection: Projection<QueueDoc> = {
  name: 'queues',
  version: 1,
  handles: ['QueueJoined', 'QueueAdmitted', 'QueueCompleted'],
  documentIds: (event) =>
    event.type === 'QueueCompleted'
      ? [event.streamId.slice('QueueEntry-'.length).split('.')[0]]
      : [data<{ concertId: string }>(event).concertId],
  apply: (existing, event, concertId) => {
    const doc: QueueDoc = existing ?? {
      position: 0,
      concertId,
      order: [],
      admitted: 0,
      entries: new Map(),
      entriesByUser: new Map(),
      admissions: [],
    };
    if (event.type === 'QueueJoined') {
      const { entryId, userId } = data<QueueJoined['data']>(event);
      doc.order.push(entryId);
      doc.entries.set(entryId, {
        entryId,
        userId,
        joinIndex: doc.order.length,
        joinedPosition: event.position,
        activeUntil: undefined,
        completed: false,
      });
      doc.entriesByUser.set(userId, [...(doc.entriesByUser.get(userId) ?? []), entryId]);
    } else if (event.type === 'QueueAdmitted') {
      const { entries, activeUntil } = data<QueueAdmitted['data']>(event);
      const until = Date.parse(activeUntil);
      for (const admitted of entries) {
        const entry = doc.entries.get(admitted.entryId);
        if (entry && entry.activeUntil === undefined) {
          entry.activeUntil = until;
          doc.admitted += 1;
        }
      }
      const at = event.recordedAt.getTime();
      doc.admissions = [...doc.admissions.filter((a) => a.at > at - 60_000), { at, count: entries.length }];
    } else {
      const entry = doc.entries.get(data<QueueCompleted['data']>(event).entryId);
      if (entry) entry.completed = true;
    }
    return doc;
  },
};

export type QueueStatus = 'WAITING' | 'ACTIVE' | 'EXPIRED' | 'DONE';

export function queueEntryStatus(entry: QueueEntryDoc, now: number): QueueStatus {
  if (entry.completed) return 'DONE';
  if (entry.activeUntil === undefined) return 'WAITING';
  return entry.activeUntil > now ? 'ACTIVE' : 'EXPIRED';
}
