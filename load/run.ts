import { request } from 'undici';
import { histogramP99 } from '../bench/service';
import { Http } from './http';
import { distribution, Recorder } from './recorder';
import { RunOptions, Scenario } from './scenario';
import { CpuShare } from './cpu-share';
import { ServiceSeries, ServiceSampler } from './service-metrics';
import { judge, StepSummary, summarizeSteps, ThresholdResult } from './summary';
import { runStages } from './vus';

export type StepSeries = { count: number[]; failures: number[]; p50: number[]; p95: number[]; p99: number[] };

/** Everything a run measured: the summary, and per second what the report draws. */
export type RunResult = {
  scenario: string;
  about: string;
  options: RunOptions;
  profile: string;
  startedAt: string;
  seconds: number;
  iterations: number;
  setup: StepSummary[];
  steps: StepSummary[];
  thresholds: ThresholdResult[];
  unexpected: { key: string; count: number; example: string }[];
  teardown?: string;
  /** p99 per route as the service timed it (the upper bound of its histogram bucket), to set beside ours. */
  serviceP99ms: Record<string, number>;
  /** Mean % of the run the event-loop threads spent on a CPU and runnable but waiting for one. */
  cpuShare: Record<string, { run: number; wait: number }>;
  timeline: { vus: number[]; steps: Record<string, StepSeries>; service: ServiceSeries };
};

function perSecond(recorder: Recorder, seconds: number): Record<string, StepSeries> {
  const out: Record<string, StepSeries> = {};
  for (const [name, samples] of recorder.steps) {
    const series: StepSeries = { count: [], failures: [], p50: [], p95: [], p99: [] };
    for (const bin of samples.bySecond(seconds)) {
      const d = distribution(bin.latencies);
      series.count.push(bin.latencies.length);
      series.failures.push(bin.failures);
      series.p50.push(d.med);
      series.p95.push(d.p95);
      series.p99.push(d.p99);
    }
    out[name] = series;
  }
  return out;
}

/** Runs a scenario against a service that is already up at `url`. */
export async function runScenario(
  scenario: Scenario,
  options: RunOptions,
  service: { url: string; adminKey: string; pid?: number; prepared?: unknown },
  profile: string,
  progress: (message: string) => void,
): Promise<RunResult> {
  const { url, adminKey, pid: servicePid, prepared } = service;
  const setupRecorder = new Recorder();
  const setupHttp = new Http(url, 16, setupRecorder);
  const context = { http: setupHttp, adminKey, progress, prepared };
  try {
    const data = await scenario.setup(context, options);
    const { startVus, stages } = scenario.stages(options);
    const recorder = new Recorder();
    const http = new Http(url, Math.max(startVus, ...stages.map((s) => s.target)), recorder);
    const cpuShare = new CpuShare({ service: servicePid, generator: process.pid });
    const sampler = new ServiceSampler(url, cpuShare);
    const vus: number[] = [];
    const startedAt = new Date().toISOString();
    progress(`running ${scenario.name}: ${options.vus} VUs`);
    sampler.start();
    let lastCount = 0;
    await runStages(
      startVus,
      stages,
      http,
      recorder,
      (vu) => scenario.iterate(vu, data, options),
      (second, n) => {
        vus[second - 1] = n;
        if (second % 5 === 0) {
          const count = [...recorder.steps.values()].reduce((sum, s) => sum + s.length, 0);
          progress(
            `${second}s  ${n} VUs  ${Math.round((count - lastCount) / 5)} req/s  ${recorder.iterations} iterations`,
          );
          lastCount = count;
        }
      },
    );
    sampler.stop();
    const seconds = recorder.now() / 1000;
    const metrics = await (await request(`${url}/metrics`)).body.text();
    const serviceP99ms = histogramP99(metrics, 'http_request_duration_seconds', 'route');
    await http.close();
    let teardown: string | undefined;
    if (scenario.teardown) {
      try {
        teardown = await scenario.teardown(context, data, options);
      } catch (error) {
        teardown = `FAILED: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const steps = summarizeSteps(recorder, seconds);
    const thresholds = judge(scenario.thresholds(options), steps);
    if (teardown !== undefined)
      thresholds.push({ label: 'teardown', actual: teardown, ok: !teardown.startsWith('FAILED') });
    return {
      scenario: scenario.name,
      about: scenario.about,
      options,
      profile,
      startedAt,
      seconds,
      iterations: recorder.iterations,
      setup: summarizeSteps(setupRecorder, seconds),
      steps,
      thresholds,
      unexpected: [...recorder.unexpected].map(([key, v]) => ({ key, ...v })),
      teardown,
      cpuShare: cpuShare.means(),
      serviceP99ms,
      timeline: { vus, steps: perSecond(recorder, Math.max(1, Math.ceil(seconds))), service: sampler.series },
    };
  } finally {
    await setupHttp.close();
  }
}
