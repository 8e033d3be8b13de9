import type { EventStore } from '../event-store/event-store.port';
import { DomainError } from '../shared/domain-error';
import { BreakerSettings } from './breakers/breaker-settings';
import { ReadBreaker } from './breakers/read-breaker';
import { GuardedReads } from './guarded-reads';
import type { ReadRequest } from './read-deadline';
import type { ProgressTracker } from './read-progress';
import type { ReadBackends } from './stores/read-backends';
import type { DocumentReads } from './stores/read-store.port';

const TIMEOUT_MS = 100;

const SETTINGS: BreakerSettings = {
  timeoutMs: TIMEOUT_MS,
  resetMs: 5_000,
  windowMs: 1_000,
  buckets: 10,
  errorThresholdPercentage: 50,
  volumeThreshold: 3,
  staleMaxAgeMs: 60_000,
  cachedAnswers: 100,
};

const never = () => new Promise<never>(() => undefined);

/** A store feed that has applied `position`, and reaches `target` when `reach()` is called. */
class FakeTracker implements ProgressTracker {
  readonly name = 'mongo-documents';
  private waiters: { position: number; resolve: (ok: boolean) => void }[] = [];
  constructor(public position: number) {}

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (position <= this.position) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.push({ position, resolve });
      setTimeout(() => resolve(false), timeoutMs);
    });
  }

  reach(position: number): void {
    this.position = position;
    for (const waiter of this.waiters) if (waiter.position <= position) waiter.resolve(true);
  }
}

/**
 * Runs the fake clock a millisecond at a time until `promise` settles, and
 * says how long after `from` that was on the clock. The bounds below are
 * exact: no event-loop slack, so a busy machine cannot make them flaky.
 */
async function settled<T>(promise: Promise<T>, from: number): Promise<{ elapsedMs: number; outcome: Promise<T> }> {
  let done = false;
  const outcome = promise.finally(() => (done = true));
  outcome.catch(() => undefined);
  await jest.advanceTimersByTimeAsync(0);
  while (!done && Date.now() - from < 10 * TIMEOUT_MS) await jest.advanceTimersByTimeAsync(1);
  return { elapsedMs: Date.now() - from, outcome };
}

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('GuardedReads: every wait of a query within its store breaker timeout', () => {
  let breaker: ReadBreaker;
  let tracker: FakeTracker;
  let head: number;
  let reads: GuardedReads;

  const setUp = (remote: boolean) => {
    breaker = new ReadBreaker('mongo', SETTINGS);
    tracker = new FakeTracker(10);
    head = 10;
    const documents = { reads: {} as DocumentReads, breaker, tracker, remote };
    const backends = { queue: documents, documents, runners: [], breakers: [breaker] } as unknown as ReadBackends;
    const store = { headPosition: async () => head } as unknown as EventStore;
    reads = new GuardedReads(backends, store);
  };
  beforeEach(() => {
    jest.useFakeTimers();
    setUp(false);
  });
  afterEach(() => {
    breaker.shutdown();
    jest.useRealTimers();
  });

  const now = (minPosition?: number): ReadRequest => ({ arrivedAt: Date.now(), minPosition });
  const read = (request: ReadRequest, value: () => Promise<string | undefined>, shared = false) =>
    reads.documents(request, 'k', value, { shared });

  it('waits for X-Min-Position and answers once the store has applied it', async () => {
    setTimeout(() => tracker.reach(12), 20);
    const { elapsedMs, outcome } = await settled(
      read(now(12), async () => 'fresh'),
      Date.now(),
    );
    await expect(outcome).resolves.toEqual({ value: 'fresh' });
    expect(elapsedMs).toBe(20);
  });

  it('gives X-Min-Position what is left of the breaker timeout since arrival, not two seconds: then 503 READ_MODEL_STALE', async () => {
    const arrivedAt = Date.now() - 60; // 60 ms went by before the query got here
    const { elapsedMs, outcome } = await settled(
      read({ arrivedAt, minPosition: 12 }, async () => 'x'),
      arrivedAt,
    );
    expect((await failure(outcome)).code).toBe('READ_MODEL_STALE');
    expect(elapsedMs).toBe(TIMEOUT_MS);
  });

  it('does not wait at all for a store whose breaker is open', async () => {
    for (let i = 0; i < SETTINGS.volumeThreshold; i++)
      await failure(read(now(), () => Promise.reject(new Error('down'))));
    expect(breaker.state).toBe('open');
    const { elapsedMs, outcome } = await settled(
      read(now(12), async () => 'x'),
      Date.now(),
    );
    expect((await failure(outcome)).code).toBe('READ_MODEL_STALE');
    expect(elapsedMs).toBe(0);
  });

  it('answers the last good value, marked stale, when the store hangs, by the deadline', async () => {
    await read(now(), async () => 'good');
    const { elapsedMs, outcome } = await settled(read(now(), never), Date.now());
    await expect(outcome).resolves.toMatchObject({ value: 'good', staleMs: expect.any(Number) });
    expect(elapsedMs).toBe(TIMEOUT_MS);
  });

  it('counts the time spent on X-Min-Position against the store call: one budget, not two', async () => {
    await read(now(), async () => 'good');
    setTimeout(() => tracker.reach(12), 70);
    const request = now(12);
    const { elapsedMs, outcome } = await settled(read(request, never), request.arrivedAt);
    expect((await outcome).staleMs).toBeDefined();
    expect(elapsedMs).toBe(TIMEOUT_MS);
  });

  it('answers a miss as not found only when the store had already applied the head', async () => {
    await expect(read(now(), async () => undefined)).resolves.toEqual({ value: undefined });
  });

  it('on a miss, looks again once the store has caught up with the head, within the deadline', async () => {
    head = 12;
    let created = false;
    setTimeout(() => {
      created = true;
      tracker.reach(12);
    }, 20);
    const { outcome } = await settled(
      read(now(), async () => (created ? 'found' : undefined)),
      Date.now(),
    );
    await expect(outcome).resolves.toEqual({ value: 'found' });
  });

  it('answers a miss the store cannot confirm by the deadline as 503 READ_MODEL_STALE, not as not found', async () => {
    head = 12;
    const request = now();
    const { elapsedMs, outcome } = await settled(
      read(request, async () => undefined),
      request.arrivedAt,
    );
    expect((await failure(outcome)).code).toBe('READ_MODEL_STALE');
    expect(elapsedMs).toBe(TIMEOUT_MS);
  });

  it('lets a query that joins a shared read another started answer by its own, earlier deadline', async () => {
    setUp(true);
    await read(now(), async () => 'good', true);
    tracker.reach(11); // the kept answer is older than the store now: the next request reads again
    const early = { arrivedAt: Date.now() - 80 };
    const started = read(now(), never, true); // a later query starts the shared read
    const { elapsedMs, outcome } = await settled(
      read(early, async () => 'not called', true),
      early.arrivedAt,
    );
    await expect(outcome).resolves.toMatchObject({ value: 'good', staleMs: expect.any(Number) });
    expect(elapsedMs).toBe(TIMEOUT_MS);
    await settled(started, Date.now());
  });
});
