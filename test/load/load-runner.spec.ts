import { parseArgs } from '../../load/args';
import { distribution } from '../../load/recorder';
import { judge, StepSummary } from '../../load/summary';
import { vusAt } from '../../load/vus';

describe('npm run load arguments', () => {
  it('takes the scenario defaults and overrides them', () => {
    expect(parseArgs(['journey'])).toMatchObject({ scenario: 'journey', vus: 50, duration: 60, profile: 'embedded' });
    expect(parseArgs(['queue-spike', '--vus', '1000', '--duration', '2m', '--profile', 'production'])).toMatchObject({
      vus: 1000,
      duration: 120,
      profile: 'production',
    });
  });

  it('refuses what it does not know', () => {
    expect(() => parseArgs([])).toThrow('which scenario?');
    expect(() => parseArgs(['jouney'])).toThrow('unknown scenario jouney');
    expect(() => parseArgs(['journey', '--vus', '-3'])).toThrow('--vus wants a positive whole number');
    expect(() => parseArgs(['journey', '--profile', 'cloud'])).toThrow('unknown option --profile cloud');
    expect(() => parseArgs(['journey', '--vus'])).toThrow('--vus needs a value');
  });
});

describe('the summary', () => {
  it('reports nearest-rank percentiles, as k6 does', () => {
    const d = distribution(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(d).toEqual({ avg: 50.5, min: 1, med: 50, max: 100, p90: 90, p95: 95, p99: 99 });
    expect(distribution([])).toMatchObject({ p99: 0, max: 0 });
  });

  it('judges the targets by the same statistics', () => {
    const hold = { name: 'hold', count: 10, successes: 10, failures: 0, rate: 600, ...distribution([1, 2, 60]) };
    const steps: StepSummary[] = [hold, { ...hold, name: 'seats', failures: 2 }];
    expect(
      judge(
        [
          { step: 'hold', stat: 'p95', max: 50 },
          { step: 'hold', stat: 'rate', min: 500 },
          { stat: 'failures', max: 0 },
        ],
        steps,
      ).map((r) => [r.label, r.ok]),
    ).toEqual([
      ['hold_latency p(95)<=50', false],
      ['hold_success rate>=500', true],
      ['http_req_failed count<=0', false],
    ]);
  });
});

describe('ramping VUs', () => {
  const stages = [
    { seconds: 10, target: 100 },
    { seconds: 30, target: 100 },
    { seconds: 10, target: 0 },
  ];

  it('goes linearly from stage to stage, as k6 ramping-vus', () => {
    expect([0, 5, 10, 25, 45, 50, 60].map((t) => vusAt(10, stages, t))).toEqual([10, 55, 100, 100, 50, 0, 0]);
  });
});
