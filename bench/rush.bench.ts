/**
 * npm run bench:rush — the waiting room under a rush for one concert. Before
 * anything is measured it writes the sign-up events of N synthetic users
 * straight into the event store (importEvents, one precomputed password hash
 * for all of them, so no password is hashed) and signs their access tokens
 * with the service's JWT secret. Then it starts the service, creates a
 * concert, and measures:
 *   1. joins: every user joins the concert once, from 200 connections;
 *   2. status: GET /v1/queue/status for random users for 15 s, with the whole
 *      queue waiting (QUEUE_ACTIVE_CAPACITY, 100, are admitted in the background);
 *   3. restart: the service is stopped and started again on the same data;
 *      the time to /health, to /ready and to the first correct position (the
 *      status of a few known users equals what it answered before the restart).
 * RSS of the service process is read from /proc (and /metrics) after each step.
 *
 *   npm run bench:rush -- [--users N] [--profile embedded|production] [--connections 200] [--seconds 15]
 *
 * N defaults to 1,000,000 (embedded) or 200,000 (production). The production
 * profile uses DATABASE_URL, REDIS_URL, MONGODB_URL (started through infra/
 * when unset), a database and key prefix of its own, and Kafka when
 * KAFKA_BROKERS is set (a topic of its own). Progress goes to stderr, figures
 * to stdout, ending with one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Command, InvalidArgumentError } from 'commander';
import type { AppConfig } from '../src/config';
import { EventStoreConfig } from '../src/event-store/open-event-store';
import { TokenService } from '../src/http/auth/token.service';
import { Client } from '../test/support/client';
import { importJoins, seedUsers } from './import-per-user';
import { Service, launchService, productionServices, progress } from './service';

const PORT = Number(process.env.BENCH_PORT ?? 3903);
const ADMIN_KEY = process.env.ADMIN_KEY ?? 'bench-admin-key-123456';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef';
/** Users whose place is checked after the restart (the first waiting, the last, and some between). */
const KNOWN_USERS = 8;
const RESTART_TIMEOUT_MS = 300_000;

type Options = {
  users: number;
  profile: 'embedded' | 'production';
  connections: number;
  seconds: number;
  joins: 'http' | 'import';
};

const count = (value: string) => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
};

function parseOptions(): Options {
  const program = new Command('bench:rush')
    .option('-n, --users <n>', 'synthetic users (default 1,000,000 embedded, 200,000 production)', count)
    .option('--profile <profile>', 'embedded or production', 'embedded')
    .option('--connections <n>', 'connections for joins and status polls', count, 200)
    .option('--seconds <n>', 'how long status is polled', count, 15)
    .option(
      '--joins <how>',
      'http (measured), or import: the joins written into the event store with the service stopped, to look at status and restart at a size quickly',
      'http',
    )
    .parse();
  const raw = program.opts<{ users?: number; profile: string; connections: number; seconds: number; joins: string }>();
  if (raw.profile !== 'embedded' && raw.profile !== 'production') program.error('--profile is embedded or production');
  if (raw.joins !== 'http' && raw.joins !== 'import') program.error('--joins is http or import');
  const profile = raw.profile as Options['profile'];
  return {
    ...raw,
    profile,
    joins: raw.joins as Options['joins'],
    users: raw.users ?? (profile === 'production' ? 200_000 : 1_000_000),
  };
}

/** Synthetic users: the id and name follow from the index, so nothing per user is kept but its tokens. */
class Users {
  private readonly prefix = randomBytes(4).toString('hex');
  readonly accessTokens: string[] = [];
  readonly queueTokens: string[] = [];

  constructor(readonly count: number) {}

  userId(i: number): string {
    return `${this.prefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  }

  username(i: number): string {
    return `rush${this.prefix}.${i}`;
  }
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** RSS and its peak from /proc, and the service's own figure from /metrics. */
async function memory(service: Service): Promise<{ rssMiB?: number; peakRssMiB?: number; metricsRssMiB?: number }> {
  const result: { rssMiB?: number; peakRssMiB?: number; metricsRssMiB?: number } = {};
  if (service.pid) {
    const status = readFileSync(`/proc/${service.pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    result.rssMiB = Math.round(kib('VmRSS') / 1024);
    result.peakRssMiB = Math.round(kib('VmHWM') / 1024);
  }
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const rss = /^process_resident_memory_bytes (\d+)/m.exec(metrics)?.[1];
  if (rss) result.metricsRssMiB = mib(Number(rss));
  return result;
}

function uptime(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function signAccessTokens(users: Users): number {
  const started = Date.now();
  const tokens = new TokenService({ jwtSecret: JWT_SECRET, accessTokenTtlSeconds: 24 * 3600 } as AppConfig);
  for (let i = 0; i < users.count; i += 1) {
    users.accessTokens.push(tokens.signAccess({ userId: users.userId(i), username: users.username(i) }).accessToken);
    if ((i + 1) % 200_000 === 0) progress(`signed ${(i + 1).toLocaleString('en')} access tokens`);
  }
  return (Date.now() - started) / 1000;
}

/** Every user joins once; each answer's queue token is kept for the status polls. */
async function joinAll(url: string, concertId: string, users: Users, connections: number) {
  let next = 0;
  let answered = 0;
  const failures = new Map<number, number>();
  const started = Date.now();
  const ticker = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    progress(
      `joined ${answered.toLocaleString('en')} / ${users.count.toLocaleString('en')} ` +
        `(${Math.round(answered / seconds)}/s)`,
    );
  }, 10_000);
  try {
    const result = await autocannon({
      url: `${url}/v1/concerts/${concertId}/queue`,
      connections,
      amount: users.count,
      method: 'POST',
      timeout: 30,
      requests: [
        {
          setupRequest: (request, context) => {
            const i = next++;
            (context as { user: number }).user = i;
            return { ...request, headers: { authorization: `Bearer ${users.accessTokens[i]}` } };
          },
          onResponse: (status, body, context) => {
            answered += 1;
            if (status === 201 || status === 200) {
              users.queueTokens[(context as { user: number }).user] = (
                JSON.parse(body) as { queueToken: string }
              ).queueToken;
            } else failures.set(status, (failures.get(status) ?? 0) + 1);
          },
        },
      ],
    });
    const seconds = (Date.now() - started) / 1000;
    return {
      joins: result['2xx'],
      seconds,
      joinsPerSecond: Math.round(result['2xx'] / seconds),
      p50ms: result.latency.p50,
      p99ms: result.latency.p99,
      failures: Object.fromEntries(failures),
      errors: result.errors,
      timeouts: result.timeouts,
    };
  } finally {
    clearInterval(ticker);
  }
}

/** Status of random users (each with its own tokens) from every connection. */
async function pollStatus(url: string, users: Users, connections: number, seconds: number) {
  const statuses = new Map<number, number>();
  const result = await autocannon({
    url: `${url}/v1/queue/status`,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          const i = Math.floor(Math.random() * users.count);
          return {
            ...request,
            headers: { authorization: `Bearer ${users.accessTokens[i]}`, 'x-queue-token': users.queueTokens[i] },
          };
        },
        onResponse: (status) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        },
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.total / seconds),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    p999ms: result.latency.p99_9,
    maxMs: result.latency.max,
    statuses: Object.fromEntries(statuses),
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function statusOf(url: string, users: Users, i: number): Promise<{ status?: string; position?: number }> {
  const response = await fetch(`${url}/v1/queue/status`, {
    headers: { authorization: `Bearer ${users.accessTokens[i]}`, 'x-queue-token': users.queueTokens[i] },
  });
  return response.ok ? ((await response.json()) as { status: string; position?: number }) : {};
}

/** The place of every user, in join order, is joinIndex - admitted: the known users' places before the restart. */
async function knownPlaces(url: string, users: Users): Promise<Map<number, number>> {
  const places = new Map<number, number>();
  const picks = [
    0,
    users.count - 1,
    ...Array.from({ length: KNOWN_USERS - 2 }, () => Math.floor(Math.random() * users.count)),
  ];
  for (const i of picks) {
    const { status, position } = await statusOf(url, users, i);
    if (status === 'WAITING' && position !== undefined) places.set(i, position);
  }
  return places;
}

async function until(what: () => Promise<boolean>, started: number): Promise<number> {
  for (;;) {
    try {
      if (await what()) return (Date.now() - started) / 1000;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > RESTART_TIMEOUT_MS) throw new Error('the restarted service did not come back');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A new process on the same data: seconds from spawn to /health, /ready and the known users' places. */
async function restart(start: () => Service, users: Users, places: Map<number, number>) {
  const started = Date.now();
  const service = start();
  const healthSeconds = await until(async () => (await fetch(`${service.url}/health`)).ok, started);
  const readySeconds = await until(async () => (await fetch(`${service.url}/ready`)).ok, started);
  const positionSeconds = await until(async () => {
    for (const [i, place] of places) if ((await statusOf(service.url, users, i)).position !== place) return false;
    return true;
  }, started);
  return { service, healthSeconds, readySeconds, positionSeconds };
}

type Figures = {
  /** Undefined when the joins were imported. */
  joinsPerSecond: number | undefined;
  statusPerSecond: number;
  statusP99ms: number;
  rssMiB: number | undefined;
  readySeconds: number;
  positionSeconds: number;
};

/** The targets for this profile, each met or not. */
function targets(options: Options, f: Figures): Record<string, boolean> {
  const joins = (least: number) =>
    f.joinsPerSecond === undefined ? {} : { [`joins >= ${least.toLocaleString('en')}/s`]: f.joinsPerSecond >= least };
  if (options.profile === 'production') {
    return {
      ...joins(3_000),
      'status p99 <= 20 ms': f.statusP99ms <= 20,
      'a new instance ready <= 5 s': f.readySeconds <= 5,
    };
  }
  return {
    ...joins(5_000),
    'status >= 15,000 req/s': f.statusPerSecond >= 15_000,
    'status p99 <= 20 ms': f.statusP99ms <= 20,
    'RSS <= 1 GiB': f.rssMiB !== undefined && f.rssMiB <= 1024,
    'restart to correct positions <= 10 s': f.positionSeconds <= 10,
  };
}

/**
 * BENCH_PHASE_SIGNAL (e.g. SIGWINCH) is sent to the service before and after
 * each measured phase, for a preload of your own that profiles on it (the
 * service shuts down on SIGUSR2, as on SIGTERM).
 */
async function phase<T>(service: Service, run: () => Promise<T>): Promise<T> {
  const signal = process.env.BENCH_PHASE_SIGNAL as NodeJS.Signals | undefined;
  if (signal && service.pid) process.kill(service.pid, signal);
  try {
    return await run();
  } finally {
    if (signal && service.pid) process.kill(service.pid, signal);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const production = options.profile === 'production';
  const users = new Users(options.users);
  // BENCH_KEEP_DATA_DIR keeps the embedded data for a look afterwards (a service started on it by hand, profiled).
  const kept = process.env.BENCH_KEEP_DATA_DIR;
  const dataDir = kept ? (mkdirSync(kept, { recursive: false }), kept) : mkdtempSync(join(tmpdir(), 'bench-rush-'));
  const services = production ? await productionServices() : undefined;
  const env: Record<string, string> = {
    ...services?.env,
    ...(production && process.env.KAFKA_BROKERS ? { KAFKA_TOPIC: `bench-rush-${Date.now().toString(36)}` } : {}),
    ...(production ? {} : { DATA_DIR: dataDir }),
    JWT_SECRET,
    ADMIN_KEY,
    // No admitted token runs out during the run, so nobody's place moves but by the first admissions.
    QUEUE_ACTIVE_TTL_SECONDS: String(24 * 3600),
  };
  const summary: Record<string, unknown> = { ...options, loadAverageAtStart: uptime() };
  const start = () => launchService(PORT, env);
  let service: Service | undefined;
  try {
    progress(`${options.profile} profile, ${options.users.toLocaleString('en')} users (load average ${uptime()})`);
    const eventStore: EventStoreConfig = production
      ? { kind: 'postgres', url: services!.env.DATABASE_URL }
      : { kind: 'pglite', dataDir };
    summary.seedSeconds = await seedUsers(users, eventStore);
    summary.signSeconds = signAccessTokens(users);

    progress('starting the service');
    service = start();
    await until(async () => (await fetch(`${service!.url}/ready`)).ok, Date.now());
    progress(`service ready (pid ${service.pid ?? 'not ours'})`);
    const concert = await new Client(service.url, ADMIN_KEY).createConcert(100);
    summary.memoryBeforeJoins = await memory(service);

    let joinsPerSecond: number | undefined;
    if (options.joins === 'http') {
      progress(`joining ${options.users.toLocaleString('en')} users from ${options.connections} connections`);
      const joins = await phase(service, () => joinAll(service!.url, concert.concertId, users, options.connections));
      joinsPerSecond = joins.joinsPerSecond;
      summary.joins = { ...joins, loadAverage: uptime() };
      console.log(
        `joins: ${joins.joinsPerSecond}/s  p50 ${joins.p50ms} ms  p99 ${joins.p99ms} ms  ` +
          `(${joins.joins} in ${joins.seconds.toFixed(1)} s, failures ${JSON.stringify(joins.failures)}, load ${uptime()})`,
      );
    } else {
      await service.stop();
      const tokens = new TokenService({ jwtSecret: JWT_SECRET, accessTokenTtlSeconds: 3600 } as AppConfig);
      summary.importJoinsSeconds = await importJoins(users, concert.concertId, eventStore, tokens, users.queueTokens);
      progress('starting the service on the imported joins');
      const started = Date.now();
      service = start();
      await until(async () => (await fetch(`${service!.url}/ready`)).ok, started);
      summary.readyOnImportedJoinsSeconds = (Date.now() - started) / 1000;
      progress(`service ready (pid ${service.pid ?? 'not ours'}) after ${summary.readyOnImportedJoinsSeconds} s`);
      // The admission process admits the first QUEUE_ACTIVE_CAPACITY in the background.
      await until(async () => (await statusOf(service!.url, users, 0)).status === 'ACTIVE', Date.now());
    }
    summary.memoryAfterJoins = await memory(service);

    progress(`polling status for random users from ${options.connections} connections for ${options.seconds} s`);
    const status = await phase(service, () => pollStatus(service!.url, users, options.connections, options.seconds));
    summary.status = { ...status, loadAverage: uptime() };
    const afterStatus = await memory(service);
    summary.memoryAfterStatus = afterStatus;
    const last = await statusOf(service.url, users, options.users - 1);
    summary.lastUser = last;
    console.log(
      `status: ${status.requestsPerSecond} req/s  p50 ${status.p50ms} ms  p99 ${status.p99ms} ms  ` +
        `(answers ${JSON.stringify(status.statuses)}, last user ${JSON.stringify(last)}, load ${uptime()})`,
    );
    console.log(`memory: ${JSON.stringify(afterStatus)}`);

    const places = await knownPlaces(service.url, users);
    progress(`restarting on the same data (known places ${JSON.stringify([...places.values()])})`);
    await service.stop();
    const restarted = await restart(start, users, places);
    service = restarted.service;
    summary.restart = {
      healthSeconds: restarted.healthSeconds,
      readySeconds: restarted.readySeconds,
      positionSeconds: restarted.positionSeconds,
      knownUsers: places.size,
      loadAverage: uptime(),
    };
    summary.memoryAfterRestart = await memory(service);
    console.log(
      `restart: /health ${restarted.healthSeconds.toFixed(2)} s  /ready ${restarted.readySeconds.toFixed(2)} s  ` +
        `correct positions ${restarted.positionSeconds.toFixed(2)} s  (load ${uptime()})`,
    );
    const met = targets(options, {
      joinsPerSecond,
      statusPerSecond: status.requestsPerSecond,
      statusP99ms: status.p99ms,
      rssMiB: afterStatus.rssMiB,
      readySeconds: restarted.readySeconds,
      positionSeconds: restarted.positionSeconds,
    });
    summary.targets = met;
    for (const [target, ok] of Object.entries(met)) {
      console.log(`target ${ok ? 'met   ' : 'MISSED'} ${target}`);
    }
    console.log(JSON.stringify(summary));
  } finally {
    await service?.stop();
    await services?.drop();
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
