import { LRUCache } from 'lru-cache';
import type { Answer } from './breakers/read-breaker';
import type { Deadline } from './read-deadline';
import type { ProgressTracker } from './read-progress';

/** How long a request may queue behind a read another request started, and what it answers if that is too long. */
export type Patience<T> = { readonly deadline: Deadline; readonly late: () => Answer<T> };

/**
 * Answers everybody asks for at once in a rush (a schedule's seat map, a
 * concert's schedules), reused while the store they came from has applied
 * nothing newer, for at most `maxAgeMs` (statuses are computed against the
 * time, so a hold expiring shows up within that). One store read serves every
 * concurrent request for the same key. Such an answer is exactly what a fresh
 * read would give, so X-Min-Position still holds: the tracker waited for it.
 * A request that joins a read already in flight waits for it only until its
 * own deadline (it may have arrived earlier than the request that started it).
 */
export class SharedAnswers {
  /** lru-cache: trimming a Map by its first key walks every deleted entry V8 keeps until it rehashes. */
  private readonly answers: LRUCache<string, { answer: Answer<unknown>; position: number; at: number }>;
  private readonly inFlight = new Map<string, { promise: Promise<Answer<unknown>>; position: number }>();

  constructor(
    private readonly tracker: ProgressTracker,
    private readonly maxAgeMs: number,
    maxEntries = 10_000,
  ) {
    this.answers = new LRUCache({ max: maxEntries });
  }

  async get<T>(key: string, read: () => Promise<Answer<T>>, patience?: Patience<T>): Promise<Answer<T>> {
    const position = this.tracker.position;
    const kept = this.answers.get(key);
    if (kept && kept.position >= position && Date.now() - kept.at < this.maxAgeMs) return kept.answer as Answer<T>;
    const pending = this.inFlight.get(key);
    if (pending && pending.position >= position) {
      const shared = pending.promise as Promise<Answer<T>>;
      return patience ? patience.deadline.race(shared, patience.late) : shared;
    }
    const promise = read();
    this.inFlight.set(key, { promise, position });
    try {
      const answer = await promise;
      // A stale fallback or a miss is not worth sharing: the next request should try the store again.
      if (answer.staleMs === undefined && answer.value !== undefined) this.keep(key, answer, position);
      return answer;
    } finally {
      if (this.inFlight.get(key)?.promise === promise) this.inFlight.delete(key);
    }
  }

  private keep(key: string, answer: Answer<unknown>, position: number): void {
    this.answers.set(key, { answer, position, at: Date.now() });
  }
}
