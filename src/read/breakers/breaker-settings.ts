/**
 * Where the old system's Resilience4j settings (count window of 100 calls,
 * 50 % failure rate, minimum 50 calls, 30 s open) land in opossum, and why
 * some moved:
 * - opossum's window is time-based. One second in ten buckets holds the last
 *   100 calls at 100 req/s and thousands in a rush, so a dead store opens the
 *   breaker within half a second of traffic instead of after a fixed count.
 * - 50 % error rate and a minimum of 50 calls in the window: kept.
 * - Open for 5 s, not 30 s: while open every answer is stale or 503, and in an
 *   on-sale a Redis restart takes seconds; a half-open probe every 5 s costs
 *   one call.
 * - Timeouts are per store: Redis answers in well under a millisecond, so
 *   250 ms is already an outage; a seat map from MongoDB under write load can
 *   take longer, so it gets a second.
 * - A last good answer is served (marked stale) for at most two minutes; older
 *   than that it would mislead more than a 503 with Retry-After.
 */
export type BreakerSettings = {
  readonly timeoutMs: number;
  readonly resetMs: number;
  readonly windowMs: number;
  readonly buckets: number;
  readonly errorThresholdPercentage: number;
  readonly volumeThreshold: number;
  readonly staleMaxAgeMs: number;
  readonly cachedAnswers: number;
};

const COMMON = {
  resetMs: 5_000,
  windowMs: 1_000,
  buckets: 10,
  errorThresholdPercentage: 50,
  volumeThreshold: 50,
  staleMaxAgeMs: 120_000,
  cachedAnswers: 20_000,
} as const;

export const BREAKER_SETTINGS = {
  memory: { ...COMMON, timeoutMs: 1_000 },
  redis: { ...COMMON, timeoutMs: 250 },
  mongo: { ...COMMON, timeoutMs: 1_000 },
} as const satisfies Record<string, BreakerSettings>;

export type StoreKind = keyof typeof BREAKER_SETTINGS;
