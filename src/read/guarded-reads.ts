import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { Answer, ReadBreaker } from './breakers/read-breaker';
import { READ_MODELS, ReadModels } from './read-models';
import { SharedAnswers } from './shared-answers';
import { READ_BACKENDS, ReadBackends } from './stores/read-backends';
import { DocumentReads, QueueReads } from './stores/read-store.port';

/** A quarter of a second: a hold that expires shows as AVAILABLE at most this late. */
const SHARED_ANSWER_MAX_AGE_MS = 250;

/**
 * Every query's way to a read-model store: through that store's breaker, and
 * on a miss once more after the read models have caught up with the log, so a
 * client that just created something finds it without X-Min-Position.
 */
@Injectable()
export class GuardedReads {
  private readonly sharedAnswers: SharedAnswers | undefined;

  constructor(
    @Inject(READ_BACKENDS) private readonly backends: ReadBackends,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    const { progress } = backends.documents;
    this.sharedAnswers = progress && new SharedAnswers(progress, SHARED_ANSWER_MAX_AGE_MS);
  }

  queue<T>(key: string, read: (reads: QueueReads) => Promise<T | undefined>): Promise<Answer<T | undefined>> {
    const { reads, breaker } = this.backends.queue;
    return this.find(breaker, key, () => read(reads));
  }

  /** `shared`: an answer many users ask for at once (seat maps, schedule lists); see SharedAnswers. */
  documents<T>(
    key: string,
    read: (reads: DocumentReads) => Promise<T | undefined>,
    { shared = false } = {},
  ): Promise<Answer<T | undefined>> {
    const { reads, breaker } = this.backends.documents;
    const find = () => this.find(breaker, key, () => read(reads));
    return shared && this.sharedAnswers ? this.sharedAnswers.get(key, find) : find();
  }

  private async find<T>(breaker: ReadBreaker, key: string, read: () => Promise<T | undefined>) {
    const first = await breaker.read(key, read);
    if (first.value !== undefined || first.staleMs !== undefined) return first;
    await this.readModels.catchUp(this.store);
    return breaker.read(key, read);
  }
}
