import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { queueEntryStatus, QueueDoc, QueueEntryDoc, QueueStatus } from '../../projections/queue.projection';
import { CONFIG, AppConfig } from '../../config';
import { CLOCK, Clock } from '../../shared/clock';
import { READ_MODELS, ReadModels } from '../read-models';
import { QueueAccess, QueueTokenClaims } from './queue-access';

export type QueueStatusView = { status: QueueStatus; position?: number; etaSeconds: number };

export class GetQueueStatus extends Query<QueueStatusView> {
  constructor(readonly token: QueueTokenClaims) {
    super();
  }
}

@QueryHandler(GetQueueStatus)
export class GetQueueStatusHandler implements IQueryHandler<GetQueueStatus> {
  constructor(
    private readonly access: QueueAccess,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ token }: GetQueueStatus): Promise<QueueStatusView> {
    const entry = await this.access.entryOf(token);
    return describeEntry(this.readModels.queue(token.concertId)!, entry, this.clock.now().getTime(), this.config);
  }
}

/** Place and ETA in O(1): admitted entries are a prefix of the join order. */
export function describeEntry(queue: QueueDoc, entry: QueueEntryDoc, now: number, config: AppConfig): QueueStatusView {
  const status = queueEntryStatus(entry, now);
  if (status !== 'WAITING') return { status, etaSeconds: 0 };
  const position = entry.joinIndex - queue.admitted;
  const recent = queue.admissions.filter((a) => a.at > now - 60_000).reduce((sum, a) => sum + a.count, 0);
  // Observed admissions per second when there are any; otherwise assume each slot turns over once per active TTL.
  const perSecond = recent > 0 ? recent / 60 : config.queueActiveCapacity / config.queueActiveTtlSeconds;
  return { status, position, etaSeconds: Math.ceil(position / perSecond) };
}
