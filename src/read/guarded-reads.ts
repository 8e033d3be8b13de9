import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { DomainError } from '../shared/domain-error';
import { Answer } from './breakers/read-breaker';
import { Deadline, ReadRequest } from './read-deadline';
import { MIN_POSITION_WAIT_MS } from './read-models';
import { SharedAnswers } from './shared-answers';
import { READ_BACKENDS, ReadBackends, ReadStore } from './stores/read-backends';
import { DocumentReads, QueueReads } from './stores/read-store.port';

/** A quarter of a second: a hold that expires shows as AVAILABLE at most this late. */
const SHARED_ANSWER_MAX_AGE_MS = 250;

const stale = (position: number, reason: string) =>
  new DomainError('READ_MODEL_STALE', `read model has not reached position ${position} yet: ${reason}`, {
    position,
  });

/**
 * Every query's way to a read-model store, within one deadline: the query's
 * arrival plus the store's breaker timeout (Redis 250 ms, MongoDB 1 s). In
 * that time it waits for X-Min-Position, for a shared answer already in
 * flight, for the store, and on a miss for the store to catch up with the
 * log and for a second look, so a client that just created something finds
 * it without X-Min-Position. Whatever is down, the answer is there by the
 * deadline: fresh, the last good one marked stale, or 503 with Retry-After
 * (READ_MODEL_UNAVAILABLE from the breaker, READ_MODEL_STALE when the store
 * has not reached the position the answer needs).
 */
@Injectable()
export class GuardedReads {
  private readonly sharedAnswers: SharedAnswers | undefined;

  constructor(
    @Inject(READ_BACKENDS) private readonly backends: ReadBackends,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    const { documents } = backends;
    this.sharedAnswers = documents.remote ? new SharedAnswers(documents.tracker, SHARED_ANSWER_MAX_AGE_MS) : undefined;
  }

  /** When a query reading `store` must have answered; whatever else it waits for (an access check) counts too. */
  deadlineOf(request: ReadRequest, store: 'queue' | 'documents'): Deadline {
    return Deadline.after(request.arrivedAt, this.backends[store].breaker.timeoutMs);
  }

  async queue<T>(
    request: ReadRequest,
    key: string,
    read: (reads: QueueReads) => Promise<T | undefined>,
  ): Promise<Answer<T | undefined>> {
    const store = this.backends.queue;
    const deadline = this.deadlineOf(request, 'queue');
    await this.reach(store, request, deadline);
    return this.find(store, key, () => read(store.reads), deadline);
  }

  /** `shared`: an answer many users ask for at once (seat maps, schedule lists); see SharedAnswers. */
  async documents<T>(
    request: ReadRequest,
    key: string,
    read: (reads: DocumentReads) => Promise<T | undefined>,
    { shared = false } = {},
  ): Promise<Answer<T | undefined>> {
    const store = this.backends.documents;
    const deadline = this.deadlineOf(request, 'documents');
    await this.reach(store, request, deadline);
    const find = () => this.find(store, key, () => read(store.reads), deadline);
    if (!shared || !this.sharedAnswers) return find();
    return this.sharedAnswers.get(key, find, { deadline, late: () => store.breaker.fallback<T | undefined>(key) });
  }

  /**
   * X-Min-Position: waits for the store to apply the position, within the
   * deadline (so at most the breaker timeout, never API.md's two seconds).
   * A store whose breaker is open is not waited for, nor one whose feed is
   * failing (its tracker says so at once): that is an outage, not a lag.
   */
  private async reach(store: ReadStore<unknown>, { arrivedAt, minPosition }: ReadRequest, deadline: Deadline) {
    if (minPosition === undefined || store.tracker.position >= minPosition) return;
    if (store.breaker.state === 'open') throw stale(minPosition, `the ${store.breaker.name} breaker is open`);
    const waitMs = Math.min(deadline.remainingMs, arrivedAt + MIN_POSITION_WAIT_MS - Date.now());
    if (!(await store.tracker.waitFor(minPosition, Math.max(0, waitMs)))) {
      throw stale(minPosition, `the ${store.tracker.name} store is at ${store.tracker.position}`);
    }
  }

  /**
   * A miss is an answer only once the store has applied everything written
   * before the query; until then (or if that cannot be known by the
   * deadline) it is READ_MODEL_STALE, not a 404 that may be wrong.
   */
  private async find<T>(
    store: ReadStore<unknown>,
    key: string,
    read: () => Promise<T | undefined>,
    deadline: Deadline,
  ): Promise<Answer<T | undefined>> {
    const applied = store.tracker.position;
    const first = await store.breaker.read(key, read, deadline);
    if (first.value !== undefined || first.staleMs !== undefined) return first;
    const head = await deadline.race(
      this.store.headPosition().catch(() => undefined),
      () => undefined,
    );
    if (head === undefined) throw stale(applied, 'the event store head is not known in time');
    if (head <= applied) return first;
    if (!(await store.tracker.waitFor(head, deadline.remainingMs))) {
      throw stale(head, `the ${store.tracker.name} store is at ${store.tracker.position}`);
    }
    return store.breaker.read(key, read, deadline);
  }
}
