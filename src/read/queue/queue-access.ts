import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '../../event-store/event-store.port';
import { QueueEntryDoc, queueEntryStatus } from '../../projections/queue.projection';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { READ_MODELS, ReadModels } from '../read-models';

export type QueueTokenClaims = { userId: string; concertId: string; entryId: string };

/** Answers "is this queue token ACTIVE for this concert?" from the queue read model: one map lookup. */
@Injectable()
export class QueueAccess {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The entry a token names; a token newer than this read model waits for it to catch up. */
  async entryOf(token: QueueTokenClaims): Promise<QueueEntryDoc> {
    const entry = await this.readModels.lookup(this.store, () =>
      this.readModels.queueEntry(token.concertId, token.entryId),
    );
    if (!entry || entry.userId !== token.userId) {
      throw new DomainError('INVALID_QUEUE_TOKEN', 'queue token is not known');
    }
    return entry;
  }

  async requireActive(token: QueueTokenClaims, concertId: string): Promise<void> {
    const entry = await this.entryOf(token);
    if (token.concertId !== concertId) {
      throw new DomainError('QUEUE_NOT_ACTIVE', 'this queue token is for another concert');
    }
    const status = queueEntryStatus(entry, this.clock.now().getTime());
    if (status !== 'ACTIVE')
      throw new DomainError('QUEUE_NOT_ACTIVE', `queue token is ${status}, not ACTIVE`, { status });
  }
}
