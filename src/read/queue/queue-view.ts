import type { AppConfig } from '../../config';
import type { QueueReadStatus } from '../../projections/queue.projection';
import { etaSeconds, secondsUntil } from '../../shared/queue-eta';
import type { QueueEntryRead } from '../stores/read-store.port';

/** etaSeconds is null while PAUSED (nobody knows when admission resumes); PRE_QUEUE counts to the opening. */
export type QueueStatusView = { status: QueueReadStatus; position?: number; etaSeconds: number | null };

export function queueView(entry: QueueEntryRead, config: AppConfig, now: number): QueueStatusView {
  if (entry.status === 'PRE_QUEUE') {
    return { status: entry.status, etaSeconds: secondsUntil(entry.opensAt ?? now, now) };
  }
  if (entry.position === undefined) return { status: entry.status, etaSeconds: 0 };
  if (entry.status === 'PAUSED') return { status: entry.status, position: entry.position, etaSeconds: null };
  if (entry.status !== 'WAITING') return { status: entry.status, etaSeconds: 0 };
  return {
    status: entry.status,
    position: entry.position,
    etaSeconds: etaSeconds(entry.position, entry.admittedLastMinute, config, entry.admitPerMinute),
  };
}
