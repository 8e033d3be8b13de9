import { setTimeout as sleep } from 'node:timers/promises';
import type { ProgressTracker } from '../../read/read-progress';
import type { ProjectionSink, StoreVersion } from '../projection-sink';
import type { SinkRunner } from '../sink-runner';
import type { Generations } from '../../event-store/coordination/coordination.port';
import type { RebuildReport } from './rebuild-store';
import { StoreVariants, variantOf } from './store-variants';
import { versionCheck } from './store-version';

/** How often an instance looks for a generation switch. */
const POLL_MS = 500;
/** The replaced runner keeps applying a little longer, so reads already waiting on it are answered. */
const OLD_RUNNER_GRACE_MS = 2_500;

/** How long after a failed (or busy) rebuild of an outdated generation the next attempt starts. */
const REBUILD_RETRY_MS = 5_000;

type Current<Reads> = { readonly generation: number; readonly runner: SinkRunner; readonly reads: Reads };

export type LiveStoreOptions = {
  readonly onSwitch?: (from: number, to: number) => void;
  /**
   * Rebuilds the store beside the live generation if that was built with
   * other projection versions than this deployment's, and resolves once the
   * new one is live (undefined when nothing was outdated): rebuildIfOutdated.
   */
  readonly rebuildIfOutdated?: (signal: AbortSignal) => Promise<RebuildReport | undefined>;
  /** The live generation was built by a newer deployment (this instance is the old one of a rolling upgrade). */
  readonly onNewer?: (generation: number, deployed: StoreVersion) => void;
  readonly onRebuildError?: (error: unknown) => void;
};

/**
 * One read-model store as this instance uses it: the runner that feeds (or
 * follows) its live generation and the reads queries go through. When a
 * rebuild makes another generation live, this instance starts a runner for
 * it, and only once that runner has caught up does it switch the reads over,
 * in one assignment: a query reads either the old generation or the new,
 * complete one.
 */
export class LiveStore<Reads> implements ProgressTracker {
  private current: Current<Reads> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private switching = false;
  private readonly stopping = new AbortController();
  /** The rebuild of an outdated generation, while one runs. */
  private upgrading: Promise<void> | undefined;
  /** Runners of generations switched away from, still applying for a grace period. */
  private readonly retiring = new Set<SinkRunner>();

  constructor(
    readonly variants: StoreVariants<Reads>,
    private readonly generations: Generations,
    private readonly runnerFor: (sink: ProjectionSink, label: string) => SinkRunner,
    private readonly options: LiveStoreOptions = {},
  ) {}

  private get live(): Current<Reads> {
    if (!this.current) throw new Error(`${this.variants.name} has not started`);
    return this.current;
  }

  get name(): string {
    return this.variants.name;
  }

  get generation(): number | undefined {
    return this.current?.generation;
  }

  get reads(): Reads {
    return this.live.reads;
  }

  get position(): number {
    return this.current?.runner.position ?? 0;
  }

  get role(): 'writer' | 'follower' | 'starting' {
    return this.current?.runner.role ?? 'starting';
  }

  get failing(): boolean {
    return this.current?.runner.failing ?? false;
  }

  get lastError(): string | undefined {
    return this.current?.runner.lastError;
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.live.runner.waitFor(position, timeoutMs);
  }

  /**
   * Starts on the live generation (reads are usable at once), then watches
   * for switches. A live generation built with other projection versions is
   * not carried on with: it keeps serving while the next generation is
   * rebuilt beside it from the log with this deployment's projections, and
   * the switch to that one happens as for any rebuild.
   */
  async start(): Promise<void> {
    const generation = await this.liveGeneration();
    this.current = this.open(generation);
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    await this.current.runner.start();
    if (this.options.rebuildIfOutdated) this.upgrading = this.upgrade(this.options.rebuildIfOutdated);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.stopping.signal.aborted) return;
    this.stopping.abort(new Error(`${this.variants.name} is stopping`));
    await this.upgrading;
    await Promise.all([...this.retiring].map((runner) => this.retire(runner)));
    await this.current?.runner.stop();
  }

  private async retire(runner: SinkRunner): Promise<void> {
    if (this.retiring.delete(runner)) await runner.stop();
  }

  /** Resolves once the rebuild of an outdated generation (if any) is done: for tests and tools. */
  get upgraded(): Promise<void> {
    return this.upgrading ?? Promise.resolve();
  }

  /** Until the live generation is current (or newer): rebuild, retrying while another instance holds the lease. */
  private async upgrade(rebuild: NonNullable<LiveStoreOptions['rebuildIfOutdated']>): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        const generation = await this.liveGeneration();
        const sink = this.variants.sink(variantOf(generation));
        const check = await versionCheck(sink).finally(() => sink.close());
        if (check === 'newer') this.options.onNewer?.(generation, sink.version);
        if (check !== 'outdated') return;
        await rebuild(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.options.onRebuildError?.(error);
        await sleep(REBUILD_RETRY_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async liveGeneration(): Promise<number> {
    return (await this.generations.live([this.variants.target])).get(this.variants.target) ?? 0;
  }

  private open(generation: number): Current<Reads> {
    const variant = variantOf(generation);
    return {
      generation,
      runner: this.runnerFor(this.variants.sink(variant), this.variants.label(variant)),
      reads: this.variants.reads(variant),
    };
  }

  private async poll(): Promise<void> {
    if (this.switching || !this.current) return;
    this.switching = true;
    try {
      const generation = await this.liveGeneration();
      if (generation === this.current.generation) return;
      const next = this.open(generation);
      await next.runner.start();
      if (next.runner.failing) {
        await next.runner.stop(); // the new store cannot be reached yet: keep the old one and try again
        return;
      }
      const previous = this.current;
      this.current = next;
      this.options.onSwitch?.(previous.generation, generation);
      this.retiring.add(previous.runner);
      setTimeout(() => void this.retire(previous.runner), OLD_RUNNER_GRACE_MS).unref();
    } catch {
      // the event store is unreachable: the next poll tries again
    } finally {
      this.switching = false;
    }
  }
}
