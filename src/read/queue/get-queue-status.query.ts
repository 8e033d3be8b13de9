import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { CONFIG, AppConfig } from '../../config';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { Answer } from '../breakers/read-breaker';
import { GuardedReads } from '../guarded-reads';
import { ReadRequest, readNow } from '../read-deadline';
import type { QueueTokenClaims } from '../../http/auth/token.service';
import { QueueStatusView, queueView } from './queue-view';

export class GetQueueStatus extends Query<Answer<QueueStatusView>> {
  constructor(
    readonly token: QueueTokenClaims,
    readonly request: ReadRequest = readNow(),
  ) {
    super();
  }
}

@QueryHandler(GetQueueStatus)
export class GetQueueStatusHandler implements IQueryHandler<GetQueueStatus> {
  constructor(
    private readonly reads: GuardedReads,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ token, request }: GetQueueStatus): Promise<Answer<QueueStatusView>> {
    const now = this.clock.now().getTime();
    const { concertId, entryId } = token;
    const found = await this.reads.queue(request, `queue:${concertId}:${entryId}`, (r) =>
      r.entry(concertId, entryId, now),
    );
    if (!found.value || found.value.userId !== token.userId) {
      throw new DomainError('INVALID_QUEUE_TOKEN', 'queue token is not known');
    }
    return { value: queueView(found.value, this.config, now), staleMs: found.staleMs };
  }
}
