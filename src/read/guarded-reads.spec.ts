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
/** Timers and the event loop: how much later than its deadline an answer may come here. */
const SLACK_MS = 40;

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
  beforeEach(() => setUp(false));
  afterEach(() => breaker.shutdown());

  const now = (minPosition?: number): ReadRequest => ({ arrivedAt: Date.now(), minPosition });
  const read = (request: ReadRequest, value: () => Promise<string | undefined>, shared = false) =>
    reads.documents(request, 'k', value, { shared });

  it('waits for X-Min-Position and answers once the store has applied it', async () => {
    setTimeout(() => tracker.reach(12), 20);
    await expect(read(now(12), async () => 'fresh')).resolves.toEqual({ value: 'fresh' });
  });

  it('gives X-Min-Position what is left of the breaker timeout since arrival, not two seconds: then 503 READ_MODEL_STALE', async () => {
    const arrivedAt = Date.now() - 60; // 60 ms went by before the query got here
    const error = await failure(read({ arrivedAt, minPosition: 12 }, async () => 'never asked'));
    expect(error.code).toBe('READ_MODEL_STALE');
    expect(Date.now() - arrivedAt).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('does not wait at all for a store whose breaker is open', async () => {
    for (let i = 0; i < SETTINGS.volumeThreshold; i++)
      await failure(read(now(), () => Promise.reject(new Error('down'))));
    expect(breaker.state).toBe('open');
    const started = Date.now();
    expect((await failure(read(now(12), async () => 'x'))).code).toBe('READ_MODEL_STALE');
    expect(Date.now() - started).toBeLessThan(SLACK_MS);
  });

  it('answers the last good value, marked stale, when the store hangs, by the deadline', async () => {
    await read(now(), async () => 'good');
    const started = Date.now();
    const answer = await read(now(), never);
    expect(answer).toMatchObject({ value: 'good', staleMs: expect.any(Number) });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('counts the time spent on X-Min-Position against the store call: one budget, not two', async () => {
    await read(now(), async () => 'good');
    setTimeout(() => tracker.reach(12), 70);
    const request = now(12);
    const answer = await read(request, never);
    expect(answer.staleMs).toBeDefined();
    expect(Date.now() - request.arrivedAt).toBeLessThan(TIMEOUT_MS + SLACK_MS);
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
    await expect(read(now(), async () => (created ? 'found' : undefined))).resolves.toEqual({ value: 'found' });
  });

  it('answers a miss the store cannot confirm by the deadline as 503 READ_MODEL_STALE, not as not found', async () => {
    head = 12;
    const request = now();
    expect((await failure(read(request, async () => undefined))).code).toBe('READ_MODEL_STALE');
    expect(Date.now() - request.arrivedAt).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('lets a query that joins a shared read another started answer by its own, earlier deadline', async () => {
    setUp(true);
    await read(now(), async () => 'good', true);
    tracker.reach(11); // the kept answer is older than the store now: the next request reads again
    const early = { arrivedAt: Date.now() - 80 };
    const started = read(now(), never, true); // a later query starts the shared read
    const joined = await read(early, async () => 'not called', true);
    expect(joined).toMatchObject({ value: 'good', staleMs: expect.any(Number) });
    expect(Date.now() - early.arrivedAt).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    await started;
  });
});
