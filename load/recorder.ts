/**
 * Every sample of a run, kept whole: a step's latency and when it finished,
 * so the summary has exact percentiles and the report has them per second.
 * Growable typed arrays hold millions of samples in a few tens of MB.
 */
export class Samples {
  private latency = new Float64Array(4096);
  private at = new Float64Array(4096);
  private failed = new Uint8Array(4096);
  length = 0;
  successes = 0;
  failures = 0;

  add(ms: number, atMs: number, ok: boolean, success: boolean): void {
    if (this.length === this.latency.length) this.grow();
    this.latency[this.length] = ms;
    this.at[this.length] = atMs;
    this.failed[this.length] = ok ? 0 : 1;
    this.length++;
    if (success) this.successes++;
    if (!ok) this.failures++;
  }

  private grow(): void {
    const size = this.latency.length * 2;
    const grow = <T extends Float64Array | Uint8Array>(old: T, make: (n: number) => T) => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.latency = grow(this.latency, (n) => new Float64Array(n));
    this.at = grow(this.at, (n) => new Float64Array(n));
    this.failed = grow(this.failed, (n) => new Uint8Array(n));
  }

  latencies(): Float64Array {
    return this.latency.subarray(0, this.length);
  }

  /** Per whole second of the run: the latencies that ended in it and how many of them failed. */
  bySecond(seconds: number): { latencies: number[]; failures: number }[] {
    const bins = Array.from({ length: seconds }, () => ({ latencies: [] as number[], failures: 0 }));
    for (let i = 0; i < this.length; i++) {
      const bin = bins[Math.min(seconds - 1, Math.floor(this.at[i] / 1000))];
      bin.latencies.push(this.latency[i]);
      bin.failures += this.failed[i];
    }
    return bins;
  }
}

export type Distribution = {
  avg: number;
  min: number;
  med: number;
  max: number;
  p90: number;
  p95: number;
  p99: number;
};

/** Nearest-rank percentiles over a sorted copy (exact, as k6 reports them). */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { avg: 0, min: 0, med: 0, max: 0, p90: 0, p95: 0, p99: 0 };
  const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { avg: sum / n, min: sorted[0], med: at(50), max: sorted[n - 1], p90: at(90), p95: at(95), p99: at(99) };
}

/** Steps by name, plus the run's clock. A step is one kind of request, or a whole journey. */
export class Recorder {
  readonly steps = new Map<string, Samples>();
  /** `step status` -> how often, and the first body, for the summary's failure lines. */
  readonly unexpected = new Map<string, { count: number; example: string }>();
  private readonly origin = performance.now();
  iterations = 0;

  refused(step: string, status: number, body: string): void {
    const key = `${step} ${status}`;
    const seen = this.unexpected.get(key);
    if (seen) seen.count++;
    else this.unexpected.set(key, { count: 1, example: body.slice(0, 300) });
  }

  now(): number {
    return performance.now() - this.origin;
  }

  /** `ok`: the status was one the scenario expects (k6's expected_response); `success`: a 2xx. */
  add(step: string, ms: number, ok: boolean, success = ok): void {
    let samples = this.steps.get(step);
    if (!samples) this.steps.set(step, (samples = new Samples()));
    samples.add(ms, this.now(), ok, success);
  }
}
