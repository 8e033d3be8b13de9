import { request } from 'undici';
import { CpuShare, CpuShareSeries } from './cpu-share';

export type ServiceSeries = {
  lag: Record<string, number[]>;
  cpuPercent: number[];
  rssMb: number[];
  /** The service's event-loop delay per second (max and p99): how long a request could sit unread. */
  loopDelayMaxMs: number[];
  loopDelayP99Ms: number[];
  /** Event-loop threads of the service and of the generator: % of each second on a CPU and waiting for one. */
  mainThreads: CpuShareSeries;
};

const gauge = (text: string, name: string) =>
  Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

/**
 * Reads the service's /metrics once a second during a run: projection lag per
 * projection (events the read models still have to apply), CPU and memory.
 * A missed sample (a busy service) repeats the previous one.
 */
export class ServiceSampler {
  readonly series: ServiceSeries;
  private timer: NodeJS.Timeout | undefined;
  private lastCpu: { seconds: number; at: number } | undefined;
  private second = 0;

  constructor(
    private readonly url: string,
    private readonly cpuShare: CpuShare,
  ) {
    this.series = {
      lag: {},
      cpuPercent: [],
      rssMb: [],
      loopDelayMaxMs: [],
      loopDelayP99Ms: [],
      mainThreads: cpuShare.series,
    };
  }

  start(): void {
    // A scrape before the clock sets the CPU baselines and resets the service's loop-delay
    // histogram, which would otherwise cover the whole setup.
    void this.sample(-1);
    this.timer = setInterval(() => void this.sample(this.second++), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(second: number): Promise<void> {
    this.cpuShare.sample(second);
    try {
      const response = await request(`${this.url}/metrics`, { headersTimeout: 5000, bodyTimeout: 5000 });
      const text = await response.body.text();
      if (second < 0) {
        this.lastCpu = { seconds: gauge(text, 'process_cpu_seconds_total'), at: performance.now() };
        return;
      }
      for (const match of text.matchAll(/^projection_lag_events\{projection="([^"]+)"\} (\d+)/gm)) {
        (this.series.lag[match[1]] ??= [])[second] = Number(match[2]);
      }
      const cpu = gauge(text, 'process_cpu_seconds_total');
      const at = performance.now();
      if (this.lastCpu && Number.isFinite(cpu)) {
        this.series.cpuPercent[second] = (100 * (cpu - this.lastCpu.seconds) * 1000) / (at - this.lastCpu.at);
      }
      this.lastCpu = { seconds: cpu, at };
      this.series.rssMb[second] = gauge(text, 'process_resident_memory_bytes') / 2 ** 20;
      // prom-client resets its loop-delay histogram at every scrape: these are this second's.
      this.series.loopDelayMaxMs[second] = gauge(text, 'nodejs_eventloop_lag_max_seconds') * 1000;
      this.series.loopDelayP99Ms[second] = gauge(text, 'nodejs_eventloop_lag_p99_seconds') * 1000;
    } catch {
      // the next sample fills the gap
    }
  }
}
