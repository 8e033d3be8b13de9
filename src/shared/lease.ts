import { SqlExecutor } from '../event-store/sql-client';

/**
 * A leader lease in the event store's database: whoever holds an unexpired
 * row leads. A holder renews well inside the TTL; when it dies, another
 * instance takes over once the TTL has passed.
 */
export class Lease {
  private held = false;
  /** When the last successful renewal was sent (performance.now()). */
  private renewedAt = -Infinity;

  constructor(
    private readonly sql: SqlExecutor,
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
      const { rows } = await this.sql.query(
        `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
         RETURNING holder`,
        [this.name, this.holder, this.ttlMs],
      );
      this.held = rows.length === 1;
      if (this.held) this.renewedAt = sent;
    } catch {
      this.held = false;
    }
    return this.held;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.sql
      .query('DELETE FROM leases WHERE name = $1 AND holder = $2', [this.name, this.holder])
      .catch(() => undefined);
  }
}
