import type { ProgressTracker } from '../../read/read-progress';
import type { ProjectionSink } from '../projection-sink';
import type { SinkRunner } from '../sink-runner';
import type { Generations } from '../../event-store/coordination/coordination.port';
import { StoreVariants, variantOf } from './store-variants';

/** How often an instance looks for a generation switch. */
const POLL_MS = 500;
/** The replaced runner keeps applying a little longer, so reads already waiting on it are answered. */
const OLD_RUNNER_GRACE_MS = 2_500;

type Current<Reads> = { readonly generation: number; readonly runner: SinkRunner; readonly reads: Reads };

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

  constructor(
    readonly variants: StoreVariants<Reads>,
    private readonly generations: Generations,
    private readonly runnerFor: (sink: ProjectionSink, label: string) => SinkRunner,
    private readonly onSwitch: (from: number, to: number) => void = () => undefined,
  ) {}

  private get live(): Current<Reads> {
    if (!this.current) throw new Error(`${this.variants.name} has not started`);
    return this.current;
  }

  get name(): string {
    return this.variants.name;
  }

  get generation(): number {
    return this.live.generation;
  }

  get reads(): Reads {
    return this.live.reads;
  }

  get position(): number {
    return this.current?.runner.position ?? 0;
  }

  get role(): 'writer' | 'follower' {
    return this.live.runner.role;
  }

  get failing(): boolean {
    return this.live.runner.failing;
  }

  get lastError(): string | undefined {
    return this.live.runner.lastError;
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.live.runner.waitFor(position, timeoutMs);
  }

  /** Starts on the live generation (reads are usable at once), then watches for switches. */
  async start(): Promise<void> {
    const generation = await this.liveGeneration();
    this.current = this.open(generation);
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    await this.current.runner.start();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.current?.runner.stop();
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
      this.onSwitch(previous.generation, generation);
      setTimeout(() => void previous.runner.stop(), OLD_RUNNER_GRACE_MS).unref();
    } catch {
      // the event store is unreachable: the next poll tries again
    } finally {
      this.switching = false;
    }
  }
}
