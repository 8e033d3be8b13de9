import { distribution, Distribution, Recorder } from './recorder';
import type { RunResult } from './run';
import { Threshold } from './scenario';

export type StepSummary = {
  name: string;
  count: number;
  successes: number;
  failures: number;
  rate: number;
} & Distribution;
export type ThresholdResult = { label: string; actual: string; ok: boolean };

export function summarizeSteps(recorder: Recorder, seconds: number): StepSummary[] {
  return [...recorder.steps.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, samples]) => ({
      name,
      count: samples.length,
      successes: samples.successes,
      failures: samples.failures,
      rate: samples.successes / seconds,
      ...distribution(samples.latencies()),
    }));
}

export function judge(thresholds: Threshold[], steps: StepSummary[]): ThresholdResult[] {
  const step = (name: string) => steps.find((s) => s.name === name);
  return thresholds.map((t) => {
    if (t.stat === 'failures') {
      const failed = steps.reduce((sum, s) => sum + s.failures, 0);
      return { label: `http_req_failed count<=${t.max}`, actual: String(failed), ok: failed <= t.max };
    }
    const s = step(t.step);
    if (t.stat === 'rate') {
      const rate = s?.successes ? s.rate : 0;
      return { label: `${t.step}_success rate>=${t.min}`, actual: `${rate.toFixed(1)}/s`, ok: rate >= t.min };
    }
    const value = s ? s[t.stat] : Number.NaN;
    const k6Stat = t.stat === 'p95' ? 'p(95)' : 'p(99)';
    return { label: `${t.step}_latency ${k6Stat}<=${t.max}`, actual: ms(value), ok: value <= t.max };
  });
}

/** Steps that time more than one request (a journey) or none (an iteration that threw). */
const NOT_REQUESTS = new Set(['journey', 'iteration_error']);

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v.toFixed(2)}ms`);
const dots = (label: string) => `${label}${'.'.repeat(Math.max(2, 34 - label.length))}:`;

/** The k6 end-of-test summary, for the same steps: a Trend (`_latency`) and a Counter (`_success`) per step. */
export function formatSummary({
  scenario,
  profile,
  options,
  seconds,
  steps,
  thresholds,
  iterations,
  setup,
  cpuShare,
  serviceP99ms,
  timeline,
}: RunResult): string {
  const lines = [`  scenario ${scenario} (${profile}): ${options.vus} VUs, ${seconds.toFixed(1)} s`, ''];
  for (const r of thresholds) lines.push(`  ${r.ok ? '✓' : '✗'} ${dots(r.label)} ${r.actual}`);
  lines.push('');
  let requests = 0;
  let failed = 0;
  for (const s of steps) {
    lines.push(
      `  ${dots(`${s.name}_latency`)} avg=${ms(s.avg)} min=${ms(s.min)} med=${ms(s.med)} max=${ms(s.max)} ` +
        `p(90)=${ms(s.p90)} p(95)=${ms(s.p95)} p(99)=${ms(s.p99)}`,
      `  ${dots(`${s.name}_success`)} ${s.successes} ${s.rate.toFixed(1)}/s` +
        (s.failures ? `  failed ${s.failures}` : ''),
    );
    if (!NOT_REQUESTS.has(s.name)) {
      requests += s.count;
      failed += s.failures;
    }
  }
  if (setup.length) lines.push('', '  setup (before the clock):');
  for (const s of setup) {
    lines.push(
      `  ${dots(`${s.name}_latency`)} avg=${ms(s.avg)} min=${ms(s.min)} med=${ms(s.med)} max=${ms(s.max)} ` +
        `p(90)=${ms(s.p90)} p(95)=${ms(s.p95)} p(99)=${ms(s.p99)}`,
      `  ${dots(`${s.name}_success`)} ${s.successes}`,
    );
  }
  lines.push('');
  const percent = requests ? ((100 * failed) / requests).toFixed(2) : '0.00';
  lines.push(
    `  ${dots('http_req_failed')} ${percent}% ${failed} out of ${requests}`,
    `  ${dots('http_reqs')} ${requests} ${(requests / seconds).toFixed(1)}/s`,
    `  ${dots('iterations')} ${iterations} ${(iterations / seconds).toFixed(1)}/s`,
  );
  for (const [route, p99] of Object.entries(serviceP99ms).filter(
    ([r]) => r.startsWith('/v1/') && !/auth|admin/.test(r),
  )) {
    lines.push(`  ${dots(`service-side p99 ${route}`)} <= ${p99} ms (its histogram bucket)`);
  }
  const delays = timeline.service.loopDelayMaxMs.filter(Number.isFinite);
  if (delays.length) {
    const worst = distribution(delays);
    lines.push(
      `  ${dots('service event-loop delay')} worst second ${worst.max.toFixed(0)} ms, ` +
        `median second's worst ${worst.med.toFixed(0)} ms`,
    );
  }
  for (const [name, share] of Object.entries(cpuShare)) {
    lines.push(
      `  ${dots(`${name} event loop`)} on a CPU ${share.run.toFixed(0)}%, waiting for one ${share.wait.toFixed(0)}%`,
    );
  }
  return lines.join('\n');
}
