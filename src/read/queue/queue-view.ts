import type { AppConfig } from '../../config';
import type { QueueStatus } from '../../projections/queue.projection';
import type { QueueEntryRead } from '../stores/read-store.port';

export type QueueStatusView = { status: QueueStatus; position?: number; etaSeconds: number };

/** Place and ETA: observed admissions per second when there are any, else each slot turning over once per active TTL. */
export function queueView(entry: QueueEntryRead, config: AppConfig): QueueStatusView {
  if (entry.status !== 'WAITING' || entry.position === undefined) return { status: entry.status, etaSeconds: 0 };
  const perSecond =
    entry.admittedLastMinute > 0
      ? entry.admittedLastMinute / 60
      : config.queueActiveCapacity / config.queueActiveTtlSeconds;
  return { status: entry.status, position: entry.position, etaSeconds: Math.ceil(entry.position / perSecond) };
}
