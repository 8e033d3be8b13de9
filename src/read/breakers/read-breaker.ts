import { LRUCache } from 'lru-cache';
import CircuitBreaker from 'opossum';
import { DomainError } from '../../shared/domain-error';
import type { Deadline } from '../read-deadline';
import { BreakerSettings } from './breaker-settings';

export type BreakerState = 'closed' | 'half-open' | 'open';

/** A query's value, and how old it is when it came from the last-good cache instead of the store. */
export type Answer<T> = { readonly value: T; readonly staleMs?: number };

export type BreakerHooks = {
  readonly onState?: (state: BreakerState) => void;
  readonly onAnswer?: (answer: 'fresh' | 'stale' | 'unavailable') => void;
};

type Call = () => Promise<unknown>;

/**
 * One opossum breaker in front of one read-model store, with an honest
 * fallback: the last good answer for the same key, marked stale with its age,
 * or 503 READ_MODEL_UNAVAILABLE with Retry-After. Never an empty answer that
 * pretends there is nothing.
 */
export class ReadBreaker {
  private readonly breaker: CircuitBreaker<[Call], unknown>;
  private readonly lastGood: LRUCache<string, { value: unknown; at: number }>;

  constructor(
    readonly name: string,
    private readonly settings: BreakerSettings,
    private readonly hooks: BreakerHooks = {},
  ) {
    this.lastGood = new LRUCache({ max: settings.cachedAnswers });
    this.breaker = new CircuitBreaker((call: Call) => call(), {
      name,
      timeout: settings.timeoutMs,
      resetTimeout: settings.resetMs,
      rollingCountTimeout: settings.windowMs,
      rollingCountBuckets: settings.buckets,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      // Latency percentiles per call are not used and cost an array sort per bucket.
      rollingPercentilesEnabled: false,
    });
    this.breaker.on('open', () => hooks.onState?.('open'));
    this.breaker.on('halfOpen', () => hooks.onState?.('half-open'));
    this.breaker.on('close', () => hooks.onState?.('closed'));
    hooks.onState?.('closed');
  }

  /** How long one call may take; a read's deadline is this long after it arrived. */
  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /**
   * `key` names the answer for the stale fallback; an undefined value (not
   * found) is never cached. With a `deadline`, a call still running when it
   * passes is answered by the fallback; the call itself goes on inside the
   * breaker (which counts its outcome) and, if it succeeds, refreshes the
   * last good answer.
   */
  async read<T>(key: string, call: () => Promise<T>, deadline?: Deadline): Promise<Answer<T>> {
    let value: T;
    try {
      const fired = this.breaker.fire(call) as Promise<T>;
      value = deadline
        ? await deadline.race(fired, () => {
            fired.then((late) => late !== undefined && this.remember(key, late)).catch(() => undefined);
            throw new Error('deadline passed');
          })
        : await fired;
    } catch {
      return this.fallback<T>(key);
    }
    if (value !== undefined) this.remember(key, value);
    this.hooks.onAnswer?.('fresh');
    return { value };
  }

  private remember(key: string, value: unknown): void {
    // lru-cache, not a Map trimmed by deleting its first key: V8 keeps deleted entries until it
    // rehashes, so finding the first key walked them all, on every read once the cache was full.
    this.lastGood.set(key, { value, at: Date.now() });
  }

  /** The answer when the store cannot give one in time: the last good one, marked stale, or 503 READ_MODEL_UNAVAILABLE. */
  fallback<T>(key: string): Answer<T> {
    const cached = this.lastGood.peek(key);
    const age = cached ? Date.now() - cached.at : Infinity;
    if (cached && age <= this.settings.staleMaxAgeMs) {
      this.hooks.onAnswer?.('stale');
      return { value: cached.value as T, staleMs: age };
    }
    this.hooks.onAnswer?.('unavailable');
    const retryAfterSeconds = this.state === 'open' ? Math.ceil(this.settings.resetMs / 1000) : 1;
    throw new DomainError('READ_MODEL_UNAVAILABLE', `the ${this.name} read model is not answering; try again shortly`, {
      retryAfterSeconds,
    });
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
