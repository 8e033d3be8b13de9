/**
 * npm run bench:replay — generates a realistic log (BENCH_EVENTS, default
 * 1,000,000, written by the real deciders: see replay-events.ts), imports it
 * into an empty event store with importEvents (PGlite in a temporary DATA_DIR;
 * PostgreSQL when DATABASE_URL is set or BENCH_PROFILE=production), then
 * rebuilds every projection from it with replayInto, as a blue/green rebuild
 * does:
 *   1. into the in-memory read models (InMemorySink);
 *   2. into Redis (RedisQueueSink, a fresh key prefix);
 *   3. into MongoDB (MongoDocumentsSink, a fresh database; FerretDB here);
 *   4. into both at once, as the service feeds them.
 * Redis, MongoDB (and PostgreSQL) are started through infra/ when their URLs
 * are not set. Progress goes to stderr, figures to stdout, ending with one JSON
 * line. Everything it created is dropped at the end.
 *
 * Knobs: BENCH_EVENTS, BENCH_SEED (1), BENCH_BATCH (replayInto's batch size),
 * BENCH_REPEAT (runs of each rebuild, 1), BENCH_ONLY (comma list of
 * memory,redis,mongo,both), BENCH_CACHE=1 (keep the PGlite log under
 * $TMPDIR/rush-replay-<seed>-<events> and reuse it on the next run),
 * BENCH_CPU_PROFILE=<dir> (a .cpuprofile of each rebuild run, for Chrome DevTools).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStore } from '../src/event-store/open-event-store';
import type { EventStoreAdmin } from '../src/event-store/event-store.port';
import { InMemorySink } from '../src/projections/in-memory.sink';
import { createMongoClient } from '../src/projections/mongo/mongo-client';
import { MongoDocumentsSink } from '../src/projections/mongo/mongo-documents.sink';
import { ProjectionSink } from '../src/projections/projection-sink';
import { ReplayProgress, replayInto } from '../src/projections/rebuild/replay-into';
import { createRedisClient } from '../src/projections/redis/redis-client';
import { RedisQueueSink } from '../src/projections/redis/redis-queue.sink';
import { EventLogGenerator } from './replay-events';
import { productionServices, progress } from './service';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const BATCH = process.env.BENCH_BATCH ? Number(process.env.BENCH_BATCH) : undefined;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'memory,redis,mongo,both').split(','));
const POSTGRES = Boolean(process.env.DATABASE_URL) || process.env.BENCH_PROFILE === 'production';
const CACHE = process.env.BENCH_CACHE === '1' && !POSTGRES;
const IMPORT_PAGE = 10_000;
/** As `npm start` runs the service: a larger young generation halves the time in scavenges. */
const NODE_FLAGS = ['--max-semi-space-size=64'];

type Run = { eventsPerSecond: number; seconds: number };

async function main(): Promise<void> {
  const started = Date.now();
  const services = await productionServices();
  const dataDir = CACHE
    ? join(tmpdir(), `rush-replay-${SEED}-${EVENTS}`)
    : mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const cached = CACHE && existsSync(dataDir);
  const store = POSTGRES
    ? await openEventStore({ kind: 'postgres', url: services.env.DATABASE_URL })
    : await openEventStore({ kind: 'pglite', dataDir });
  const redis = createRedisClient(services.env.REDIS_URL);
  const mongo = createMongoClient(services.env.MONGODB_URL);
  const databases: string[] = [];
  const results: Record<string, Run[]> = {};
  const summary: Record<string, unknown> = {
    events: EVENTS,
    seed: SEED,
    eventStore: POSTGRES ? 'postgres' : 'pglite',
    batchSize: BATCH ?? 'default',
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
  try {
    const head = await store.headPosition();
    if (cached && head === EVENTS) {
      progress(`using the log cached in ${dataDir} (${head} events)`);
    } else {
      if (head !== 0) throw new Error(`the event store in ${dataDir} is not empty (head ${head}); delete it`);
      Object.assign(summary, await generateAndImport(store));
    }

    const measure = async (label: string, sinks: () => Promise<ProjectionSink[]>) => {
      for (let run = 1; run <= REPEAT; run += 1) {
        const targets = await sinks();
        for (const sink of targets) {
          await sink.prepare();
          if ((await sink.checkpoint()) !== 0) throw new Error(`${sink.name} is not empty`);
        }
        const profiler = await startProfiler();
        const t0 = Date.now();
        const load = loadavg()[0];
        await Promise.all(
          targets.map((sink) =>
            replayInto(store, sink, { batchSize: BATCH, onProgress: ticker(`${label} ${sink.name}`) }),
          ),
        );
        const seconds = (Date.now() - t0) / 1000;
        await profiler?.stop(`${label}-${run}`);
        const eventsPerSecond = Math.round(EVENTS / seconds);
        (results[label] ??= []).push({ eventsPerSecond, seconds: Number(seconds.toFixed(1)) });
        console.log(
          `${label.padEnd(12)} run ${run}: ${eventsPerSecond.toLocaleString('en')} events/s (${seconds.toFixed(1)} s, load ${load.toFixed(2)} at start)`,
        );
        await Promise.all(targets.map((sink) => sink.close()));
      }
    };
    let n = 0;
    const redisSink = () => new RedisQueueSink(redis, { prefix: `${services.env.REDIS_KEY_PREFIX}replay${(n += 1)}:` });
    const mongoSink = () => {
      const name = `${new URL(services.env.MONGODB_URL).pathname.slice(1)}_replay${(n += 1)}`;
      databases.push(name);
      return new MongoDocumentsSink(mongo.db(name));
    };
    if (ONLY.has('memory')) await measure('in-memory', async () => [new InMemorySink()]);
    if (ONLY.has('redis')) await measure('redis', async () => [redisSink()]);
    if (ONLY.has('mongo')) await measure('mongodb', async () => [mongoSink()]);
    if (ONLY.has('both')) await measure('redis+mongo', async () => [redisSink(), mongoSink()]);
    Object.assign(summary, { replay: results, totalSeconds: Math.round((Date.now() - started) / 1000) });
    summary.loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
    console.log(JSON.stringify(summary));
  } finally {
    progress('dropping what the run created');
    for (const name of databases)
      await mongo
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
    await mongo.close();
    redis.disconnect();
    await store.close();
    await services.drop();
    if (!CACHE) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Generates the log page by page, importing each page while the next is generated. */
async function generateAndImport(store: EventStoreAdmin) {
  const generator = new EventLogGenerator({ seed: SEED });
  const t0 = Date.now();
  let generating = 0;
  let head = 0;
  let importing: Promise<number> | undefined;
  while (head < EVENTS) {
    const g0 = Date.now();
    const page = generator.next(Math.min(IMPORT_PAGE, EVENTS - generator.head));
    generating += Date.now() - g0;
    head = importing ? await importing : head;
    if (page.length === 0) break;
    const after = page[0].position - 1;
    importing = store.importEvents(after, page);
    if (page[page.length - 1].position % 100_000 === 0 || page[page.length - 1].position === EVENTS) {
      const done = page[page.length - 1].position;
      const rate = Math.round((done * 1000) / Math.max(1, Date.now() - t0));
      progress(
        `generate + import ${done.toLocaleString('en')}/${EVENTS.toLocaleString('en')} (${rate.toLocaleString('en')} events/s)`,
      );
    }
  }
  if (importing) head = await importing;
  const seconds = (Date.now() - t0) / 1000;
  console.log(
    `generated and imported ${head.toLocaleString('en')} events in ${seconds.toFixed(1)} s ` +
      `(${(generating / 1000).toFixed(1)} s generating, ${Math.round(head / seconds).toLocaleString('en')} events/s)`,
  );
  console.log(`log: ${JSON.stringify(generator.stats)}`);
  return {
    generateAndImportSeconds: Number(seconds.toFixed(1)),
    generateSeconds: Number((generating / 1000).toFixed(1)),
    log: generator.stats,
  };
}

async function startProfiler() {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${name.replace(/\W/g, '_')}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function ticker(label: string) {
  let last = 0;
  return (p: ReplayProgress) => {
    if (Date.now() - last < 2_000 && p.position < p.head) return;
    last = Date.now();
    progress(
      `${label}: ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} (${p.eventsPerSecond.toLocaleString('en')} events/s)`,
    );
  };
}

if (!process.execArgv.some((arg) => arg.startsWith('--max-semi-space-size'))) {
  // Re-run with the service's heap flags (npm run bench:replay starts plain node).
  const child = spawnSync(process.execPath, [...NODE_FLAGS, ...process.execArgv, __filename], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
