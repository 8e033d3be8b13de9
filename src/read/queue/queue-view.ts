import type { AppConfig } from '../../config';
import type { QueueStatus } from '../../projections/queue.projection';
import { etaSeconds } from '../../shared/queue-eta';
import type { QueueEntryRead } from '../stores/read-store.port';

export type QueueStatusView = { status: QueueStatus; position?: number; etaSeconds: number };

export function queueView(entry: QueueEntryRead, config: AppConfig): QueueStatusView {
  if (entry.status !== 'WAITING' || entry.position === undefined) return { status: entry.status, etaSeconds: 0 };
  return {
    status: entry.status,
    position: entry.position,
    etaSeconds: etaSeconds(entry.position, entry.admittedLastMinute, config),
  };
}
