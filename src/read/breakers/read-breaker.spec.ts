import { DomainError } from '../../shared/domain-error';
import { Deadline } from '../read-deadline';
import { BreakerSettings } from './breaker-settings';
import { ReadBreaker } from './read-breaker';

const FAST: BreakerSettings = {
  timeoutMs: 50,
  resetMs: 200,
  windowMs: 1_000,
  buckets: 10,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  staleMaxAgeMs: 60_000,
  cachedAnswers: 3,
};

const down = () => Promise.reject(new Error('connection refused'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function unavailable(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe('READ_MODEL_UNAVAILABLE');
  return error as DomainError;
}

describe('ReadBreaker', () => {
  let breaker: ReadBreaker;
  const states: string[] = [];
  const answers: string[] = [];

  beforeEach(() => {
    states.length = 0;
    answers.length = 0;
    breaker = new ReadBreaker('redis', FAST, {
      onState: (s) => states.push(s),
      onAnswer: (a) => answers.push(a),
    });
  });
  afterEach(() => breaker.shutdown());

  it('passes fresh answers through', async () => {
    await expect(breaker.read('k', async () => 42)).resolves.toEqual({ value: 42 });
    expect(answers).toEqual(['fresh']);
  });

  it('answers the last good value, marked stale with its age, when the store fails', async () => {
    await breaker.read('seats:s1', async () => ['A1']);
    await sleep(30);
    const stale = await breaker.read('seats:s1', down);
    expect(stale.value).toEqual(['A1']);
    expect(stale.staleMs).toBeGreaterThanOrEqual(25);
    expect(answers).toEqual(['fresh', 'stale']);
  });

  it('is a 503 with Retry-After, never an empty answer, when nothing good is cached', async () => {
    const error = await unavailable(breaker.read('seats:never-read', down));
    expect(error.extra.retryAfterSeconds).toBe(1);
    expect(answers).toEqual(['unavailable']);
  });

  it('does not cache a not-found answer as a fallback', async () => {
    await breaker.read('wallet:u1', async () => undefined);
    await unavailable(breaker.read('wallet:u1', down));
  });

  it('times out a hanging store within its timeout', async () => {
    const started = Date.now();
    await unavailable(breaker.read('k', () => new Promise(() => undefined)));
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("answers by a read's deadline, before its own timeout, and a late store answer still becomes the last good one", async () => {
    const slow = new ReadBreaker('mongo', { ...FAST, timeoutMs: 1_000 });
    try {
      let release: (value: string) => void = () => undefined;
      // The store answers only once the read has given up: it cannot have waited for it.
      const late = () => new Promise<string>((resolve) => (release = resolve));
      await unavailable(slow.read('k', late, Deadline.after(Date.now(), 20)));
      release('arrived late');
      await sleep(0);
      const fallback = await slow.read('k', down);
      expect(fallback).toMatchObject({ value: 'arrived late', staleMs: expect.any(Number) });
    } finally {
      slow.shutdown();
    }
  });

  it('opens after enough failures, stops calling the store, then closes after a good half-open probe', async () => {
    for (let i = 0; i < FAST.volumeThreshold; i++) await unavailable(breaker.read('k', down));
    expect(breaker.state).toBe('open');
    const probe = jest.fn(async () => 1);
    const error = await unavailable(breaker.read('k', probe));
    expect(probe).not.toHaveBeenCalled();
    expect(error.extra.retryAfterSeconds).toBe(1);
    await sleep(FAST.resetMs + 50);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.read('k', probe)).resolves.toEqual({ value: 1 });
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['closed', 'open', 'half-open', 'closed']);
  });

  it('stays closed below the minimum number of calls', async () => {
    for (let i = 0; i < FAST.volumeThreshold - 1; i++) await unavailable(breaker.read('k', down));
    expect(breaker.state).toBe('closed');
  });

  it('keeps only the newest answers as fallbacks', async () => {
    for (const key of ['a', 'b', 'c', 'd']) await breaker.read(key, async () => key);
    await unavailable(breaker.read('a', down));
    await expect(breaker.read('d', down)).resolves.toMatchObject({ value: 'd' });
  });

  it('serves nothing older than the stale limit', async () => {
    const short = new ReadBreaker('mongo', { ...FAST, staleMaxAgeMs: 10 });
    await short.read('k', async () => 'old');
    await sleep(30);
    await unavailable(short.read('k', down));
    short.shutdown();
  });
});
