import { Logger } from '@nestjs/common';
import { Lease } from './lease';

/**
 * The loop a leader-elected process runs: on every tick (a timer, or a nudge
 * from the log) it takes or renews its lease and, while it holds it, does one
 * round of `work`. Rounds never overlap; a tick during a round asks for one
 * more right after it. `lost` runs when the lease is not ours (another leads)
 * and after a failed round, so the next round starts from the log again.
 */
export class LeaderLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private halted = false;
  private readonly logger: Logger;

  constructor(
    private readonly lease: Lease,
    private readonly tickMs: number,
    private readonly round: () => Promise<void>,
    private readonly lost: () => void,
    name: string,
  ) {
    this.logger = new Logger(name);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
  }

  /** Hands the lease over once the round under way has finished. */
  async stop(): Promise<void> {
    this.halt();
    await this.running;
    await this.lease.release();
  }

  /** Stops ticking without handing the lease over, as a crashed process would. */
  halt(): void {
    this.halted = true;
    clearInterval(this.timer);
  }

  /** Leading: holding the lease and still running (a halted process keeps its lease until it expires, but acts no more). */
  get isLeader(): boolean {
    return !this.halted && this.lease.isHeld;
  }

  tick(): Promise<void> {
    if (this.halted) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.leadOnce()
      .catch((error: unknown) => {
        this.lost();
        this.logger.error({ err: error }, `${this.lease.name} round failed`);
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.tick();
        }
      });
    return this.running;
  }

  private async leadOnce(): Promise<void> {
    if (!(await this.lease.acquire())) return this.lost();
    await this.round();
  }
}
