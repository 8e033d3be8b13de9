import { RunResult } from '../../load/run';
import { RunningApp, startApp } from '../support/app';
import { briefRun } from './brief-run';

/** The Node load generator drives each scenario through the real service without one refused request. */
describe('npm run load scenarios', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ QUEUE_ACTIVE_CAPACITY: '10' });
  });
  afterAll(() => running.close());

  const failures = (run: RunResult) => [
    ...run.unexpected.map((u) => `${u.key} x${u.count}: ${u.example}`),
    ...run.thresholds.filter((t) => t.label.startsWith('http_req_failed') && !t.ok).map((t) => t.label),
  ];
  const successes = (run: RunResult, step: string) => run.steps.find((s) => s.name === step)?.successes ?? 0;

  it('journey: every iteration buys a seat', async () => {
    const run = await briefRun(running.url, 'journey');
    expect(failures(run)).toEqual([]);
    expect(successes(run, 'journey')).toBeGreaterThan(0);
    for (const step of ['join', 'schedules', 'seats', 'hold', 'charge', 'pay']) {
      expect([step, successes(run, step)]).toEqual([step, expect.any(Number)]);
      expect(successes(run, step)).toBeGreaterThanOrEqual(successes(run, 'journey'));
    }
    expect(run.setup.map((s) => s.name)).toEqual(expect.arrayContaining(['login', 'signup']));
  });

  it('queue-spike: users join, poll and read', async () => {
    const run = await briefRun(running.url, 'queue-spike');
    expect(failures(run)).toEqual([]);
    expect(successes(run, 'join')).toBeGreaterThan(0);
    expect(successes(run, 'seats')).toBeGreaterThan(0);
  });

  it('hot-seats: races end in 409s, never in a double sale', async () => {
    const run = await briefRun(running.url, 'hot-seats', 6);
    expect(failures(run)).toEqual([]);
    expect(run.teardown).toMatch(/^no seat sold twice/);
    expect(run.thresholds.find((t) => t.label === 'teardown')?.ok).toBe(true);
  });

  it('on-sale: pre-queue joins, the opening, purchases and refunds; no seat sold twice', async () => {
    const run = await briefRun(running.url, 'on-sale', 6, { seconds: 8, users: 16 });
    expect(failures(run)).toEqual([]);
    expect(run.teardown).toMatch(/^no seat sold twice: 16 pre-queue joins; 16 users seen ACTIVE/);
    expect(run.teardown).toMatch(/ \d+ of 12 seats sold, \d+ paid for, [1-9]\d* refunded/);
    for (const step of ['join', 'queue_status', 'schedules', 'seats', 'hold', 'charge', 'pay', 'refund']) {
      expect([step, successes(run, step)]).toEqual([step, expect.any(Number)]);
      expect([step, successes(run, step) > 0]).toEqual([step, true]);
    }
  });

  it('soak: the mix runs', async () => {
    const run = await briefRun(running.url, 'soak');
    expect(failures(run)).toEqual([]);
    expect(successes(run, 'seats')).toBeGreaterThan(0);
  });
});
