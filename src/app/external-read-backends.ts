import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config';
import type { EventStore } from '../event-store/event-store.port';
import type { Coordination } from '../event-store/coordination/coordination.port';
import type { MetricsService } from '../http/metrics/metrics.service';
import { createMongoClient } from '../projections/mongo/mongo-client';
import { createRedisClient } from '../projections/redis/redis-client';
import { SinkRunner } from '../projections/sink-runner';
import { LiveStore } from '../projections/rebuild/live-store';
import { rebuildIfOutdated } from '../projections/rebuild/rebuild-store';
import { StoreVariants, mongoDocumentVariants, redisQueueVariants } from '../projections/rebuild/store-variants';
import { EventRelay } from '../messaging/event-relay';
import { KafkaMessageLog } from '../messaging/kafka.message-log';
import { LogEventSource } from '../messaging/log-event-source';
import { Lease } from '../shared/lease';
import type { ProjectionSink } from '../projections/projection-sink';
import { BREAKER_SETTINGS } from '../read/breakers/breaker-settings';
import type { ReadBackends } from '../read/stores/read-backends';
import { breakerFor } from './read-breakers';

const LEASE_TTL_MS = 3_000;

type ExternalStores = Extract<AppConfig['readStores'], { kind: 'external' }>;

/**
 * Production: the queue ranking in Redis, everything else in MongoDB. Each
 * store has its own client for queries and for its runner, so a slow catch-up
 * never queues behind (or in front of) the queries.
 */
export function openExternalBackends(
  config: ExternalStores,
  store: EventStore,
  coordination: Coordination,
  instanceId: string,
  metrics: MetricsService,
  logger: Logger,
): ReadBackends {
  // What repeats (a down server reports every reconnect attempt) is logged once per 10 s.
  const atMostEvery10s = <T>(warn: (value: T) => void) => {
    let last = 0;
    return (value: T) => {
      if (Date.now() - last < 10_000) return;
      last = Date.now();
      warn(value);
    };
  };
  const quietly = (name: string) =>
    atMostEvery10s((error: unknown) =>
      logger.warn({ store: name, err: error instanceof Error ? error.message : String(error) }, 'connection error'),
    );
  // A query gives up on its store at its breaker's timeout (it answers stale or 503 by then), so its client
  // does too: Redis drops a command that has not answered, and never resends one after a reconnect;
  // MongoDB waits no longer for a server or a pooled connection. The runners keep the patient defaults.
  const redisReads = createRedisClient(config.redisUrl, quietly('redis'), {
    commandTimeout: BREAKER_SETTINGS.redis.timeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  });
  const redisWrites = createRedisClient(config.redisUrl, quietly('redis'));
  const mongoReads = createMongoClient(config.mongoUrl, {
    serverSelectionTimeoutMS: BREAKER_SETTINGS.mongo.timeoutMs,
    waitQueueTimeoutMS: BREAKER_SETTINGS.mongo.timeoutMs,
  });
  const mongo = createMongoClient(config.mongoUrl);

  // One writer per store, so the lease is named after the store itself: an instance pointed at other
  // Redis keys or another MongoDB database (a replay into fresh stores) writes those on its own.
  const log = config.kafkaBrokers?.length
    ? new KafkaMessageLog(config.kafkaBrokers, instanceId, config.kafkaTopic)
    : undefined;
  // With a broker each store is fed through a consumer group of its own; without, straight from the event store.
  let logId: Promise<string> | undefined;
  const identity = () =>
    (logId ??= coordination.logIdentity().catch((error: unknown) => {
      logId = undefined;
      throw error;
    }));
  const foreign = atMostEvery10s((count: number) =>
    logger.warn({ messages: count, topic: config.kafkaTopic }, 'dropped messages relayed from another event log'),
  );
  const groups = new Map<string, string>(); // projection -> its consumer group
  const sourceFor = (sink: ProjectionSink, target: string) => {
    if (!log) return store;
    const group = `rush-tickets.${sink.name}.${target}`.replace(/[^\w.-]/g, '_');
    groups.set(sink.name, group);
    return new LogEventSource(log, store, group, {
      logId: identity,
      onForeign: foreign,
      onDelivered: (feed, count) => metrics.projectionFeed.inc({ projection: sink.name, feed }, count),
    });
  };
  const runner = (sink: ProjectionSink, target: string) =>
    new SinkRunner(sourceFor(sink, target), sink, {
      lease: new Lease(coordination.leases, `read-model:${sink.name}:${target}`, instanceId, LEASE_TTL_MS),
      // A generation other versions built keeps serving until its rebuild beside it is live (LiveStore).
      otherVersion: 'keep',
      onApplied: (_count, lagMs) => metrics.projectionDelay.observe({ projection: sink.name }, lagMs / 1000),
      onError: (error) =>
        logger.warn(
          { projection: sink.name, err: error instanceof Error ? error.message : error },
          'projection paused',
        ),
      onRewind: (from, to) => logger.warn({ projection: sink.name, from, to }, 'store lost data; replaying'),
    });
  const { generations } = coordination;
  const liveStore = <Reads>(variants: StoreVariants<Reads>) =>
    new LiveStore(variants, generations, runner, {
      onSwitch: (from, to) => logger.log({ projection: variants.name, from, to }, 'switched to a rebuilt generation'),
      // Bumping a projection's version rebuilds its store blue/green; one instance does it, under the rebuild lease.
      rebuildIfOutdated: (signal) =>
        rebuildIfOutdated(
          variants,
          { store, generations },
          (name, holder, ttlMs) => new Lease(coordination.leases, name, holder, ttlMs),
          { holder: instanceId, signal, onStep: (step) => logger.log({ projection: variants.name, step }, 'rebuild') },
        ),
      onNewer: (generation, deployed) =>
        logger.warn(
          { projection: variants.name, generation, deployed },
          'the live generation was built by newer projection versions; left as it is',
        ),
      onRebuildError: (error) =>
        logger.warn(
          { projection: variants.name, err: error instanceof Error ? error.message : error },
          'rebuild of an outdated generation failed; retrying',
        ),
    });
  const queueStore = liveStore(
    redisQueueVariants({ reads: redisReads, writes: redisWrites }, config.redisUrl, config.redisPrefix),
  );
  const documentStore = liveStore(mongoDocumentVariants({ reads: mongoReads, writes: mongo }, config.mongoUrl));
  const runners = [queueStore, documentStore];
  const queueBreaker = breakerFor('redis', metrics, logger);
  const documentBreaker = breakerFor('mongo', metrics, logger);
  const relay =
    log &&
    new EventRelay(
      store,
      coordination,
      log,
      new Lease(coordination.leases, 'event-relay', instanceId, LEASE_TTL_MS),
      'event-log',
      { onError: quietly('kafka') },
    );
  const consumerLag = new Map<string, number>();
  let measuring = false;
  return {
    relay,
    consumerLag: log && {
      of: (projection: string) => consumerLag.get(projection),
      async measure() {
        if (measuring) return; // a broker that is down answers slowly: one measurement at a time
        measuring = true;
        const lags = await log.consumerLag([...groups.values()]).finally(() => (measuring = false));
        for (const [projection, group] of groups) {
          const lag = lags.get(group);
          if (lag === undefined) continue;
          consumerLag.set(projection, lag);
          metrics.consumerLag.set({ projection }, lag);
        }
      },
    },
    prepare: async () => {
      await log?.prepare().catch(quietly('kafka'));
    },
    queue: {
      get reads() {
        return queueStore.reads;
      },
      breaker: queueBreaker,
      tracker: queueStore,
      remote: true,
    },
    documents: {
      get reads() {
        return documentStore.reads;
      },
      breaker: documentBreaker,
      tracker: documentStore,
      remote: true,
    },
    stores: [queueStore.variants, documentStore.variants],
    runners,
    breakers: [queueBreaker, documentBreaker],
    async close() {
      await relay?.stop();
      await log?.close();
      queueBreaker.shutdown();
      documentBreaker.shutdown();
      redisReads.disconnect();
      redisWrites.disconnect();
      await Promise.all([mongoReads.close(), mongo.close()]);
    },
  };
}
