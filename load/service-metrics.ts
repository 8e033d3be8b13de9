import { request } from 'undici';
import { CpuShare, CpuShareSeries } from './cpu-share';

export type ServiceSeries = {
  lag: Record<string, number[]>;
  cpuPercent: number[];
  rssMb: number[];
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
    this.series = { lag: {}, cpuPercent: [], rssMb: [], mainThreads: cpuShare.series };
  }

  start(): void {
    this.timer = setInterval(() => void this.sample(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    const second = this.second++;
    this.cpuShare.sample(second);
    try {
      const response = await request(`${this.url}/metrics`, { headersTimeout: 5000, bodyTimeout: 5000 });
      const text = await response.body.text();
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
    } catch {
      // the next sample fills the gap
    }
  }
}
