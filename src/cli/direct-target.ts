import { existsSync } from 'node:fs';
import { RecordedEvent } from '../event-store/event-store.port';
import { EventStoreConfig, coordinationOf, openEventStore } from '../event-store/open-event-store';
import { DataDirInUseError } from '../event-store/data-dir-lock';
import { EventTools } from '../admin/event-tools';
import { EventPage, EventStats } from '../admin/event-wire';
import { JobKind, ProjectionJob, ProjectionJobs } from '../admin/projection-jobs';
import { ProjectionTools } from '../admin/projection-tools';
import { createMongoClient } from '../projections/mongo/mongo-client';
import { createRedisClient } from '../projections/redis/redis-client';
import { mongoDocumentVariants, redisQueueVariants } from '../projections/rebuild/store-variants';
import { CliError } from './cli-error';
import { PageQuery, Target } from './target';

/** The stores themselves, opened as the service would open them; for when the service is stopped. */
export type ExternalStores = { readonly redisUrl: string; readonly redisPrefix: string; readonly mongoUrl: string };

export class DirectTarget implements Target {
  private readonly jobs = new ProjectionJobs();

  private constructor(
    readonly description: string,
    private readonly tools: EventTools,
    private readonly projections: ProjectionTools,
    private readonly closeStores: () => Promise<void>,
  ) {}

  /** `create`: an embedded DATA_DIR that does not exist yet is made (an import); otherwise it is an error. */
  static async open(config: EventStoreConfig, create = false, external?: ExternalStores): Promise<DirectTarget> {
    const description =
      config.kind === 'pglite'
        ? `the PGlite store in ${config.dataDir ?? '(memory)'}`
        : config.kind === 'kurrentdb'
          ? 'the KurrentDB store'
          : 'the PostgreSQL store';
    if (config.kind === 'pglite' && config.dataDir && !create && !existsSync(config.dataDir)) {
      throw new CliError(`there is no event store in DATA_DIR ${config.dataDir}; set DATA_DIR, or use --url`);
    }
    try {
      const store = await openEventStore(config);
      const coordination = coordinationOf(store);
      if (!external) {
        return new DirectTarget(description, new EventTools(store), new ProjectionTools(store, coordination, []), () =>
          store.close(),
        );
      }
      // Redis and MongoDB of the production profile, for the projections:* commands.
      const redis = createRedisClient(external.redisUrl);
      const mongo = createMongoClient(external.mongoUrl);
      const stores = [
        redisQueueVariants({ reads: redis, writes: redis }, external.redisUrl, external.redisPrefix),
        mongoDocumentVariants(mongo, external.mongoUrl),
      ];
      return new DirectTarget(
        `${description} with its Redis and MongoDB read models`,
        new EventTools(store),
        new ProjectionTools(store, coordination, stores),
        async () => {
          redis.disconnect();
          await mongo.close();
          await store.close();
        },
      );
    } catch (error) {
      if (error instanceof DataDirInUseError) {
        throw new CliError(
          `the service is running on DATA_DIR ${error.dataDir} (process ${error.pid}), and the embedded store ` +
            'opens in one process only: stop the service, or go through it with --url <service url> --admin-key <key>',
        );
      }
      throw new CliError(`cannot open ${description}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  readStream(streamId: string): Promise<RecordedEvent[]> {
    return this.tools.readStream(streamId);
  }

  readPage(query: PageQuery): Promise<EventPage> {
    return this.tools.page(query);
  }

  exportPage(after: number, limit: number, to?: number): Promise<EventPage> {
    return this.tools.exportPage(after, limit, to);
  }

  importPage(after: number, events: readonly RecordedEvent[]): Promise<number> {
    return this.tools.importPage(after, events);
  }

  headPosition(): Promise<number> {
    return this.tools.headPosition();
  }

  stats(): Promise<EventStats> {
    return this.tools.stats();
  }

  listProjections() {
    return this.projections.list();
  }

  /** The same job the service runs for an admin route, run here and watched until it ends. */
  async runProjectionJob(
    kind: JobKind,
    projection: string,
    onUpdate: (job: ProjectionJob) => void,
  ): Promise<ProjectionJob> {
    let job: ProjectionJob;
    try {
      job = this.projections.startJob(this.jobs, kind, projection);
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error));
    }
    while (job.state === 'running') {
      onUpdate(job);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    onUpdate(job);
    return job;
  }

  close(): Promise<void> {
    return this.closeStores();
  }
}
