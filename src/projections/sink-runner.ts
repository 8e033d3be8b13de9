import { EventStore, RecordedEvent, Subscription } from '../event-store/event-store.port';
import type { ProgressTracker } from '../read/read-progress';
import { ProjectionSink } from './projection-sink';

const RETRY_MS = 1_000;

export type SinkRunnerHooks = {
  /** After each stored batch: its size and how old its newest event was (ms). */
  readonly onApplied?: (events: number, lagMs: number) => void;
  readonly onError?: (error: unknown) => void;
  readonly onRewind?: (from: number, to: number) => void;
};

/**
 * Feeds one external read-model store from the global log: read its stored
 * checkpoint, catch up, then follow live. A batch that fails (store down) is
 * retried from the same position until it lands, so an outage only delays the
 * read model. Every instance may run one per store: the store skips what a
 * document has already applied, so two runners never double-apply.
 */
export class SinkRunner implements ProgressTracker {
  private applied = 0;
  private subscription: Subscription | undefined;
  private closed = false;
  private rewinding = false;
  private starting: Promise<void> | undefined;
  private readonly waiters = new Set<{ position: number; resolve: (ok: boolean) => void }>();
  /** True from a failed write until the next one succeeds. */
  failing = false;
  lastError: string | undefined;
  private onFirstFailure: () => void = () => undefined;

  constructor(
    private readonly store: EventStore,
    readonly sink: ProjectionSink,
    private readonly hooks: SinkRunnerHooks = {},
  ) {}

  get name(): string {
    return this.sink.name;
  }

  get position(): number {
    return this.applied;
  }

  /**
   * Resolves once the sink has caught up with the log, or at once when the
   * store cannot be reached: the service starts anyway and the runner keeps
   * trying, because commands need only the event store.
   */
  async start(): Promise<void> {
    let down: () => void = () => undefined;
    const failed = new Promise<void>((resolve) => (down = resolve));
    this.onFirstFailure = down;
    this.starting = this.connect();
    await Promise.race([this.starting, failed]);
  }

  private async connect(): Promise<void> {
    while (!this.closed) {
      try {
        await this.sink.prepare();
        this.applied = Math.max(this.applied, await this.sink.checkpoint());
        this.fail(undefined);
        break;
      } catch (error) {
        this.fail(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
    if (this.closed) return;
    this.subscription = this.store.subscribe(this.applied, (events) => this.applyBatch(events));
    await this.subscription.caughtUp;
  }

  /**
   * Reads the store's checkpoint first: events at or below it are already
   * stored (by this instance before a restart, or by another instance), so only
   * the rest is written; a checkpoint below ours means the store lost data
   * (restarted empty, or was wiped), so the runner replays from what it still has.
   */
  private async applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    if (this.rewinding) throw new Error('replaying from an earlier position');
    try {
      const stored = await this.sink.checkpoint();
      if (stored < this.applied) {
        this.rewind(stored);
        throw new Error(`the store is back at position ${stored}; replaying from there`);
      }
      const fresh = events.filter((e) => e.position > stored);
      if (fresh.length) await this.sink.apply(fresh);
    } catch (error) {
      if (!this.rewinding) this.fail(error);
      throw error; // the subscription retries this page from the same position
    }
    this.fail(undefined);
    const last = events[events.length - 1];
    if (!last) return;
    this.applied = Math.max(this.applied, last.position);
    this.hooks.onApplied?.(events.length, Date.now() - last.recordedAt.getTime());
    for (const waiter of this.waiters) {
      if (waiter.position <= this.applied) {
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  private rewind(to: number): void {
    this.rewinding = true;
    this.hooks.onRewind?.(this.applied, to);
    const previous = this.subscription;
    // Closing waits for the subscription's loop, which is inside this handler: do it after the handler returns.
    setImmediate(() => {
      void (async () => {
        await previous?.close();
        this.applied = to;
        this.rewinding = false;
        if (!this.closed) this.subscription = this.store.subscribe(to, (events) => this.applyBatch(events));
      })();
    });
  }

  private fail(error: unknown): void {
    const was = this.failing;
    this.failing = error !== undefined;
    this.lastError = error === undefined ? undefined : error instanceof Error ? error.message : String(error);
    if (this.failing && !was) {
      this.hooks.onError?.(error);
      this.onFirstFailure();
      // Nobody should wait for a store that is down: they answer stale or 503 now.
      for (const waiter of this.waiters) waiter.resolve(false);
      this.waiters.clear();
    }
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (position <= this.applied) return Promise.resolve(true);
    if (this.failing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    await this.subscription?.close();
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters.clear();
    await this.sink.close();
  }
}
