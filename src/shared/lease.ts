import type { Leases } from '../event-store/coordination/coordination.port';

/**
 * One holder's side of a leader lease (kept by the coordination port's
 * Leases): whoever holds an unexpired lease leads. A holder renews well
 * inside the TTL; when it dies, another instance takes over once the TTL has
 * passed.
 */
export class Lease {
  private held = false;
  /** When the last successful renewal was sent (performance.now()). */
  private renewedAt = -Infinity;

  constructor(
    private readonly leases: Leases,
    readonly name: string,
    readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Takes or renews the lease; false when another holder's lease is still live.
   * A lease renewed less than a quarter of its TTL ago is still ours without
   * asking: callers tick often (admission on every join), and a renewal per
   * tick was a database write per request.
   */
  async acquire(): Promise<boolean> {
    if (this.held && performance.now() - this.renewedAt < this.ttlMs / 4) return true;
    const sent = performance.now();
    try {
      this.held = await this.leases.claim(this.name, this.holder, this.ttlMs);
      if (this.held) this.renewedAt = sent;
    } catch {
      this.held = false;
    }
    return this.held;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.leases.release(this.name, this.holder).catch(() => undefined);
  }
}
