/**
 * Runs `work` when poked, at most once per `intervalMs`: the first poke after
 * a quiet interval runs at once, the pokes that arrive within the interval
 * after a run become one run at its end. A run still under way when the next
 * is due is waited for, so runs never overlap and the last poke is always
 * followed by a run that started after it.
 */
export class Coalescer {
  private lastRunAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private closed = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  poke(): void {
    if (this.closed) return;
    this.pending = true;
    if (this.timer || this.running) return;
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const wait = this.lastRunAt + this.intervalMs - this.now();
    if (wait <= 0) void this.run();
    else this.timer = setTimeout(() => void this.run(), wait);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.closed || !this.pending) return;
    this.pending = false;
    this.lastRunAt = this.now();
    this.running = this.work().catch(() => undefined);
    await this.running;
    this.running = undefined;
    if (this.pending && !this.closed) this.schedule();
  }
}
