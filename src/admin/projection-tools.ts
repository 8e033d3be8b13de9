import { randomBytes } from 'node:crypto';
import type { EventStore } from '../event-store/event-store.port';
import type { Coordination, Generations } from '../event-store/coordination/coordination.port';
import { ALL_PROJECTIONS } from '../projections/all-projections';
import type { InMemoryDocumentStore } from '../projections/document-store';
import { IN_MEMORY_VERSION } from '../projections/in-memory.sink';
import type { StoreVersion } from '../projections/projection-sink';
import type { ProjectionRunner } from '../projections/projection-runner';
import { rebuildInMemory, verifyInMemory } from '../projections/rebuild/rebuild-in-memory';
import {
  RebuildBusyError,
  RebuildOptions,
  RebuildReport,
  rebuildStore,
  VerifyReport,
  verifyStore,
} from '../projections/rebuild/rebuild-store';
import { StoreVariants, variantOf } from '../projections/rebuild/store-variants';
import type { StoreRunner } from '../read/stores/read-backends';
import { DomainError } from '../shared/domain-error';
import { JobKind, ProjectionJob, ProjectionJobs } from './projection-jobs';
import { Lease } from '../shared/lease';
import type { ReplayProgress } from '../projections/rebuild/replay-into';

export const IN_MEMORY = 'in-memory';

export type ProjectionInfo = {
  readonly name: string;
  readonly store: 'memory' | 'redis' | 'mongodb';
  readonly version: StoreVersion;
  readonly generation: number;
  /** Where the live generation is. */
  readonly target: string;
  /** Null where the model exists only inside a running service that is not this process. */
  readonly checkpoint: number | null;
  readonly head: number;
  readonly lag: number | null;
  /** live (writer / follower on this instance), rebuilding generation n, not running. */
  readonly state: string;
};

type Live = {
  /** The embedded profile's in-process models; a production instance has none. */
  readonly inMemory?: { readonly documents: InMemoryDocumentStore; readonly runner: ProjectionRunner };
  /** This instance's runners of the external stores, by name. */
  readonly runners: readonly StoreRunner[];
};

/**
 * What the projections:* commands do, in the service (admin routes, with
 * `live` set) or in the CLI against the stores while the service is stopped.
 */
export class ProjectionTools {
  private readonly generations: Generations;
  private readonly holder = `tools-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly store: EventStore,
    private readonly coordination: Pick<Coordination, 'generations' | 'leases'>,
    private readonly stores: readonly StoreVariants<unknown>[],
    private readonly live?: Live,
  ) {
    this.generations = coordination.generations;
  }

  private get inMemory() {
    return this.live?.inMemory;
  }

  /** Every projection this process can reach: the in-memory model (in the service) and each external store. */
  get names(): string[] {
    return [...(this.inMemory ? [IN_MEMORY] : []), ...this.stores.map((s) => s.name)];
  }

  /** `all`, or one known name; anything else is a 404 NOT_FOUND naming the known ones. */
  resolve(projection: string): string[] {
    if (projection === 'all') return this.names;
    if (projection === IN_MEMORY && !this.inMemory) throw new DomainError('NOT_FOUND', inMemoryElsewhere);
    if (!this.names.includes(projection)) {
      throw new DomainError('NOT_FOUND', `no projection ${projection}; known: ${this.names.join(', ')}, all`);
    }
    return [projection];
  }

  /** Starts a rebuild or verify of `projection` (or `all`) in `jobs`, reporting its progress and steps on the job. */
  startJob(jobs: ProjectionJobs, kind: JobKind, projection: string): ProjectionJob {
    return jobs.start(kind, this.resolve(projection), (name, job) => {
      const onProgress = (progress: ReplayProgress) => (job.current = { projection: name, progress });
      return kind === 'rebuild'
        ? this.rebuild(name, { onProgress, onStep: (step) => job.steps.push(step) })
        : this.verify(name, { onProgress });
    });
  }

  async list(): Promise<{ head: number; projections: ProjectionInfo[] }> {
    const head = await this.store.headPosition();
    const lagOf = (checkpoint: number | null) => (checkpoint === null ? null : Math.max(0, head - checkpoint));
    const inMemory: ProjectionInfo = {
      name: IN_MEMORY,
      store: 'memory',
      version: IN_MEMORY_VERSION,
      generation: 0,
      target: `process memory: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`,
      checkpoint: this.inMemory ? this.inMemory.runner.position : null,
      head,
      lag: lagOf(this.inMemory ? this.inMemory.runner.position : null),
      state: this.inMemory ? 'live' : 'not running (rebuilt from the log at every start)',
    };
    const external = await Promise.all(
      this.stores.map(async (variants): Promise<ProjectionInfo> => {
        const generation = (await this.generations.live([variants.target])).get(variants.target) ?? 0;
        const rebuilding = await this.generations.rebuilding(variants.target);
        const sink = variants.sink(variantOf(generation));
        try {
          const checkpoint = await sink.checkpoint();
          const runner = this.live?.runners.find((r) => r.name === variants.name);
          const state = [
            runner ? `live (${runner.failing ? 'failing' : runner.role} here)` : 'live',
            ...(rebuilding !== undefined ? [`rebuilding generation ${rebuilding}`] : []),
          ].join(', ');
          return {
            name: variants.name,
            store: variants.name.startsWith('redis') ? 'redis' : 'mongodb',
            version: sink.version,
            generation,
            target: variants.label(variantOf(generation)),
            checkpoint,
            head,
            lag: lagOf(checkpoint),
            state,
          };
        } finally {
          await sink.close();
        }
      }),
    );
    // A production service has no in-process models to list; the CLI names them to say where they live.
    const listed = this.live && !this.inMemory ? external : [inMemory, ...external];
    return { head, projections: listed };
  }

  async rebuild(projection: string, options: RebuildOptions = {}): Promise<RebuildReport> {
    if (projection === IN_MEMORY) {
      if (!this.inMemory) throw new DomainError('NOT_FOUND', inMemoryElsewhere);
      return rebuildInMemory(this.inMemory, this.store, options.onProgress);
    }
    try {
      return await rebuildStore(
        this.variants(projection),
        { store: this.store, generations: this.generations },
        (name, holder, ttlMs) => new Lease(this.coordination.leases, name, holder, ttlMs),
        { holder: this.holder, ...options },
      );
    } catch (error) {
      if (error instanceof RebuildBusyError) throw new DomainError('REBUILD_RUNNING', error.message);
      throw error;
    }
  }

  async verify(projection: string, options: Pick<RebuildOptions, 'onProgress'> = {}): Promise<VerifyReport> {
    if (projection === IN_MEMORY) {
      if (!this.inMemory) throw new DomainError('NOT_FOUND', inMemoryElsewhere);
      return verifyInMemory(this.inMemory, this.store, options.onProgress);
    }
    return verifyStore(this.variants(projection), { store: this.store, generations: this.generations }, options);
  }

  private variants(projection: string): StoreVariants<unknown> {
    const found = this.stores.find((s) => s.name === projection);
    if (!found) throw new DomainError('NOT_FOUND', `no projection ${projection}; known: ${this.names.join(', ')}`);
    return found;
  }
}

const inMemoryElsewhere =
  'the in-memory models live inside the running service (and are rebuilt from the log at every start): ' +
  'go through it with --url';
