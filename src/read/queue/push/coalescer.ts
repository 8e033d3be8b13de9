/**
 * Runs `work` when poked, so that it delivers at most once per `intervalMs`:
 * whoever delivers (sends an event) says so with `delivered()`. A poke
 * within the interval after a delivery waits for its end, and every poke
 * that arrives meanwhile joins that one run; a poke after a run that
 * delivered nothing (the status had not changed) runs at once, so a re-read
 * that changes nothing never delays the next real change. Runs never
 * overlap, and the last poke is always followed by a run that started after it.
 */
export class Coalescer {
  private deliveredAt = Number.NEGATIVE_INFINITY;
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

  /** Something was delivered (by `work`, or the opening event): the interval starts now. */
  delivered(): void {
    this.deliveredAt = this.now();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const wait = this.deliveredAt + this.intervalMs - this.now();
    if (wait <= 0) void this.run();
    else this.timer = setTimeout(() => void this.run(), wait);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.closed || !this.pending) return;
    this.pending = false;
    this.running = this.work().catch(() => undefined);
    await this.running;
    this.running = undefined;
    if (this.pending && !this.closed) this.schedule();
  }
}
