import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { Answer, ReadBreaker } from './breakers/read-breaker';
import { READ_MODELS, ReadModels } from './read-models';
import { READ_BACKENDS, ReadBackends } from './stores/read-backends';
import { DocumentReads, QueueReads } from './stores/read-store.port';

/**
 * Every query's way to a read-model store: through that store's breaker, and
 * on a miss once more after the read models have caught up with the log, so a
 * client that just created something finds it without X-Min-Position.
 */
@Injectable()
export class GuardedReads {
  constructor(
    @Inject(READ_BACKENDS) private readonly backends: ReadBackends,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  queue<T>(key: string, read: (reads: QueueReads) => Promise<T | undefined>): Promise<Answer<T | undefined>> {
    const { reads, breaker } = this.backends.queue;
    return this.find(breaker, key, () => read(reads));
  }

  documents<T>(key: string, read: (reads: DocumentReads) => Promise<T | undefined>): Promise<Answer<T | undefined>> {
    const { reads, breaker } = this.backends.documents;
    return this.find(breaker, key, () => read(reads));
  }

  private async find<T>(breaker: ReadBreaker, key: string, read: () => Promise<T | undefined>) {
    const first = await breaker.read(key, read);
    if (first.value !== undefined || first.staleMs !== undefined) return first;
    await this.readModels.catchUp(this.store);
    return breaker.read(key, read);
  }
}
