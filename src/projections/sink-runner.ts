import { EventStore, RecordedEvent, Subscription } from '../event-store/event-store.port';
import type { ProgressTracker } from '../read/read-progress';
import type { Lease } from '../shared/lease';
import { ProjectionSink, StoreVersion } from './projection-sink';

const RETRY_MS = 1_000;

export type SinkRunnerOptions = {
  /** After each stored batch: its size and how old its newest event was (ms). */
  readonly onApplied?: (events: number, lagMs: number) => void;
  readonly onError?: (error: unknown) => void;
  readonly onRewind?: (from: number, to: number) => void;
  /** The store was written by another version of its sink and is rebuilt from the log. */
  readonly onRebuild?: (stored: StoreVersion | undefined, version: StoreVersion) => void;
  /**
   * What to do with a store another version wrote: `reset` wipes it and
   * replays the log into it (the default); `keep` goes on applying to it as
   * it is and leaves its recorded version alone, because a rebuild beside it
   * replaces it (LiveStore): wiping it would empty a live read model.
   */
  readonly otherVersion?: 'reset' | 'keep';
  /**
   * With a lease, exactly one instance writes the store and the others follow
   * its checkpoint; without one, this runner always writes.
   */
  readonly lease?: Lease;
  /** How often a follower reads the writer's checkpoint. */
  readonly followMs?: number;
  /** How often the lease is renewed or contested (well inside its TTL). */
  readonly electMs?: number;
};

/**
 * Feeds one external read-model store from the global log: read its stored
 * checkpoint, catch up, then follow live. A batch that fails (store down) is
 * retried from the same position until it lands, so an outage only delays the
 * read model.
 *
 * Several instances share one store, and one of them writes it, chosen by a
 * lease in the event store's database; the others only read its checkpoint
 * to know how far the store has got (read-your-writes). A single writer halves
 * the load on the store and never races itself (FerretDB's updates are not
 * atomic); documents skip events they have already applied, so a writer that
 * takes over, or a stale one still finishing a batch, changes nothing twice.
 */
export class SinkRunner implements ProgressTracker {
  private applied = 0;
  private subscription: Subscription | undefined;
  private closed = false;
  private writing = false;
  private rewinding = false;
  private writer: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private busy = { elect: false, follow: false };
  private readonly waiters = new Set<{ position: number; resolve: (ok: boolean) => void }>();
  /** True from a failed read or write of the store until the next one succeeds. */
  failing = false;
  lastError: string | undefined;
  private onFirstFailure: () => void = () => undefined;

  constructor(
    /** The event store itself, or in production with a broker the log relayed to it (LogEventSource). */
    private readonly store: Pick<EventStore, 'subscribe'>,
    readonly sink: ProjectionSink,
    private readonly options: SinkRunnerOptions = {},
  ) {}

  get name(): string {
    return this.sink.name;
  }

  get position(): number {
    return this.applied;
  }

  get role(): 'writer' | 'follower' {
    return this.writing ? 'writer' : 'follower';
  }

  /**
   * Resolves once the store has caught up with the log (as writer) or once
   * its checkpoint is known (as follower), or at once when the store cannot
   * be reached: the service starts anyway and the runner keeps trying,
   * because commands need only the event store.
   */
  async start(): Promise<void> {
    const failed = new Promise<void>((resolve) => (this.onFirstFailure = resolve));
    const { lease } = this.options;
    if (!lease) {
      this.writing = true;
      this.writer = this.write();
    } else {
      await this.elect();
      if (!this.writing) await this.follow();
      this.timers.push(
        setInterval(() => void this.once('elect', () => this.elect()), this.options.electMs ?? 1_000),
        setInterval(() => void this.once('follow', () => this.follow()), this.options.followMs ?? 50),
      );
    }
    if (this.writer) await Promise.race([this.writer, failed]);
  }

  private async once(job: 'elect' | 'follow', run: () => Promise<void>): Promise<void> {
    if (this.busy[job] || this.closed) return;
    this.busy[job] = true;
    try {
      await run();
    } finally {
      this.busy[job] = false;
    }
  }

  private async elect(): Promise<void> {
    const held = await this.options.lease!.acquire();
    if (held && !this.writing && !this.closed) {
      this.writing = true;
      this.writer = this.write();
    } else if (!held && this.writing) {
      this.writing = false;
      const subscription = this.subscription;
      this.subscription = undefined;
      await subscription?.close();
    }
  }

  /** A follower's position is the writer's checkpoint. */
  private async follow(): Promise<void> {
    if (this.writing) return;
    try {
      // Below ours means the store lost data; the writer replays it, and waiting readers wait for that.
      this.advance(await this.sink.checkpoint(), true);
      this.fail(undefined);
    } catch (error) {
      this.fail(error);
    }
  }

  private async write(): Promise<void> {
    while (!this.closed && this.writing) {
      try {
        await this.sink.prepare();
        await this.rebuildIfOtherVersion();
        this.applied = Math.max(this.applied, await this.sink.checkpoint());
        this.fail(undefined);
        break;
      } catch (error) {
        this.fail(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
    if (this.closed || !this.writing) return;
    this.subscription = this.store.subscribe(this.applied, (events) => this.applyBatch(events));
    await this.subscription.caughtUp;
  }

  private async rebuildIfOtherVersion(): Promise<void> {
    const stored = await this.sink.storedVersion();
    if (stored === this.sink.version) return;
    if (stored !== undefined || (await this.sink.checkpoint()) > 0) {
      if (this.options.otherVersion === 'keep') return;
      this.options.onRebuild?.(stored, this.sink.version);
      await this.sink.reset();
      this.applied = 0;
    }
    await this.sink.recordVersion();
  }

  /**
   * Reads the store's checkpoint first: events at or below it are already
   * stored (by this runner before a restart, or by a writer before it), so only
   * the rest is written; a checkpoint below ours means the store lost data
   * (restarted empty, or was wiped), so the runner replays from what it still has.
   */
  private async applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    if (this.rewinding || !this.writing) throw new Error('this runner is not writing from here');
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
    this.advance(last.position, false);
    this.options.onApplied?.(events.length, Date.now() - last.recordedAt.getTime());
  }

  private advance(position: number, exact: boolean): void {
    this.applied = exact ? position : Math.max(this.applied, position);
    for (const waiter of this.waiters) {
      if (waiter.position <= this.applied) {
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  private rewind(to: number): void {
    this.rewinding = true;
    this.options.onRewind?.(this.applied, to);
    const previous = this.subscription;
    // Closing waits for the subscription's loop, which is inside this handler: do it after the handler returns.
    setImmediate(() => {
      void (async () => {
        await previous?.close();
        this.applied = to;
        this.rewinding = false;
        if (!this.closed && this.writing) {
          this.subscription = this.store.subscribe(to, (events) => this.applyBatch(events));
        }
      })();
    });
  }

  private fail(error: unknown): void {
    const was = this.failing;
    this.failing = error !== undefined;
    this.lastError = error === undefined ? undefined : error instanceof Error ? error.message : String(error);
    if (this.failing && !was) {
      this.options.onError?.(error);
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
    for (const timer of this.timers) clearInterval(timer);
    // Not awaiting the writer: its catch-up never ends while the store is down. It sees `closed` and stops.
    await this.subscription?.close();
    await this.options.lease?.release();
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters.clear();
    await this.sink.close();
  }
}
