import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, RunningApp, startApp } from '../support/app';
import { problems, runK6Script } from './k6-shim/run-k6';

/**
 * Every k6 script, once, against the real service under a shim of the k6
 * modules: a script that no longer matches the HTTP contract (a path, a
 * field, a status it did not expect, a double sale in teardown) fails here.
 */
describe('k6 scripts against the service', () => {
  let running: RunningApp;
  const env = (extra: Record<string, string>) => ({ BASE_URL: running.url, ADMIN_KEY, ...extra });

  beforeAll(async () => {
    running = await startApp({ QUEUE_ACTIVE_CAPACITY: '20' });
  });
  afterAll(() => running.close());

  it('journey: one purchase from joining the queue to paying', async () => {
    const result = await runK6Script('journey.js', env({ VUS: '1', SCHEDULES: '2', SEATS: '5' }));
    expect(problems(result)).toEqual([]);
    for (const name of ['login', 'join', 'schedules', 'seats', 'hold', 'charge', 'pay', 'journey']) {
      expect([name, result.metrics[`${name}_success`]?.count]).toEqual([name, 1]);
      expect(result.metrics[`${name}_latency`]?.count).toBeGreaterThan(0);
    }
  });

  it('queue-spike: joins, polls until ACTIVE, reads schedules and seats', async () => {
    const result = await runK6Script('queue-spike.js', env({ PEAK_VUS: '1', SEATS: '5' }), { iterations: 2 });
    expect(problems(result)).toEqual([]);
    expect(result.metrics.join_success.count).toBe(2);
    expect(result.metrics.seats_success.count).toBe(2);
  });

  it('hot-seats: overlapping holds, a payment and a cancellation; teardown finds no double sale', async () => {
    const result = await runK6Script('hot-seats.js', env({ VUS: '1', SEATS: '4', PAY_EVERY: '2' }), {
      iterations: 3,
    });
    expect(problems(result)).toEqual([]);
    expect(result.checks['no seat sold twice']).toEqual({ passes: 1, fails: 0 });
    expect(result.metrics.pay_success.count).toBeGreaterThan(0);
  });

  it.each([
    ['browse', '10', 'seats_success'],
    ['buy', '70', 'pay_success'],
    ['abandon', '90', 'cancel_success'],
    ['broke', '97', 'cancel_success'],
  ])('soak: the %s action', async (_action, roll, metric) => {
    const result = await runK6Script('soak.js', env({ VUS: '1', SCHEDULES: '2', SEATS: '5', ACTION: roll }));
    expect(problems(result)).toEqual([]);
    expect(result.metrics[metric].count).toBe(1);
  });

  it('on-sale: every join PRE_QUEUE, the opening, purchases and a refund; teardown finds no double sale', async () => {
    const result = await runK6Script(
      'on-sale.js',
      env({ USERS: '4', VUS: '1', SEATS: '2', OPEN_IN_SECONDS: '1', REFUND_EVERY: '2' }),
      { iterations: 60 },
    );
    expect(problems(result)).toEqual([]);
    expect(result.checks['join before the opening is PRE_QUEUE']).toEqual({ passes: 4, fails: 0 });
    expect(result.checks['no seat sold twice']).toEqual({ passes: 1, fails: 0 });
    expect(result.metrics.pay_success.count).toBeGreaterThanOrEqual(2);
    expect(result.metrics.refund_success.count).toBeGreaterThanOrEqual(1);
  });

  it('covers every k6 script', () => {
    const scripts = readdirSync(join(__dirname, '..', '..', 'k6')).filter((f) => f.endsWith('.js'));
    expect(scripts.sort()).toEqual(['hot-seats.js', 'journey.js', 'on-sale.js', 'queue-spike.js', 'soak.js']);
  });

  describe('the shim fails a script that does not match the API', () => {
    const script = (body: string) => {
      const file = join(mkdtempSync(join(tmpdir(), 'k6-')), 'broken.js');
      writeFileSync(file, `import http from 'k6/http';\nimport { check } from 'k6';\n${body}`);
      return file;
    };

    it('an unexpected status', async () => {
      const result = await runK6Script(
        script('export default () => http.get(`${__ENV.BASE_URL}/v1/queue/state`);'),
        env({}),
      );
      expect(problems(result)).toEqual([expect.stringContaining('unexpected 404 from GET')]);
    });

    it('a failed check', async () => {
      const file = script(
        "export default () => check(http.get(`${__ENV.BASE_URL}/v1/concerts`), { 'an object': (r) => !Array.isArray(r.json()) });",
      );
      expect(problems(await runK6Script(file, env({})))).toEqual(["check 'an object' failed 1 time(s)"]);
    });

    it('a threshold on a metric nobody declares', async () => {
      const file = script(
        "export const options = { thresholds: { hold_latncy: ['p(95)<10'] } };\nexport default () => {};",
      );
      expect(problems(await runK6Script(file, env({})))[0]).toContain('threshold on hold_latncy: no such metric');
    });
  });
});
