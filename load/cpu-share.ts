import { readdirSync, readFileSync } from 'node:fs';

/**
 * How much of each second a process's main thread (the event loop) spent on a
 * CPU, and how much runnable but waiting for one, from Linux's
 * /proc/<pid>/schedstat. On a shared 2-core machine the wait says whether a
 * latency came from the service or from the other processes beside it.
 */
export type CpuShareSeries = Record<string, { run: number[]; wait: number[] }>;

function schedstat(pid: number): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run, wait];
  } catch {
    return undefined;
  }
}

/** The process whose environment holds `marker` (NAME=value), e.g. the service child a run started. */
export function findPidByEnv(marker: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) return Number(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

export class CpuShare {
  readonly series: CpuShareSeries = {};
  private last: Record<string, { stat: [number, number]; at: number }> = {};

  constructor(private readonly pids: Record<string, number | undefined>) {}

  /** Records the share since the last call under `second`; a negative second only sets the baseline. */
  sample(second: number): void {
    const at = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) {
      const stat = pid === undefined ? undefined : schedstat(pid);
      if (!stat) continue;
      const before = this.last[name];
      this.last[name] = { stat, at };
      if (!before || second < 0) continue;
      const elapsedNs = (at - before.at) * 1e6;
      const series = (this.series[name] ??= { run: [], wait: [] });
      series.run[second] = (100 * (stat[0] - before.stat[0])) / elapsedNs;
      series.wait[second] = (100 * (stat[1] - before.stat[1])) / elapsedNs;
    }
  }

  /** Mean run and wait percentages over the run, per process. */
  means(): Record<string, { run: number; wait: number }> {
    const mean = (values: number[]) => {
      const present = values.filter((v) => Number.isFinite(v));
      return present.length ? present.reduce((a, b) => a + b, 0) / present.length : Number.NaN;
    };
    return Object.fromEntries(
      Object.entries(this.series).map(([k, s]) => [k, { run: mean(s.run), wait: mean(s.wait) }]),
    );
  }
}
