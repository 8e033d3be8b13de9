/**
 * npm run bench:push — pushed queue positions (GET /v1/queue/events) under
 * N open streams on one embedded instance. The 2N users' sign-ups are
 * imported into the log before the service starts and their access tokens
 * signed here with its JWT secret (no password hashing). With
 * QUEUE_ACTIVE_CAPACITY = N:
 *   1. N blockers take every slot for --ttl seconds;
 *   2. N users wait behind them, and each opens its event stream;
 *   3. the blockers' turns run out and the admission leader admits the N
 *      waiting users; every stream is read until it says ACTIVE.
 * --admissions at-once (default): both joins are imported too, so the leader
 * admits the blockers in one event at start-up and, when they run out, the
 * waiters in one event. rolling: everyone joins over HTTP, each blocker is
 * admitted as it joins, so their turns run out one after another and every
 * waiting stream's position moves on each admission until its own.
 * For each stream: the delay from the QueueAdmitted event's recordedAt (read
 * back through /v1/admin/events) to the stream receiving ACTIVE. Prints
 * p50/p99/max and how many within 1 s, ending with one JSON line.
 *
 *   npm run bench:push -- [--streams 10000] [--admissions at-once|rolling] [--ttl seconds]
 *
 * Each stream is a socket on both sides: `ulimit -n` (hard) must allow N
 * plus some (node raises its soft limit to the hard one by itself).
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, IncomingMessage, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AppConfig } from '../src/config';
import { TokenService } from '../src/http/auth/token.service';
import { Client } from '../test/support/client';
import { UserNames, importJoins, seedUsers } from './import-per-user';
import { Service, launchService, progress } from './service';

const PORT = Number(process.env.BENCH_PORT ?? 3904);
const ADMIN_KEY = 'bench-admin-key-123456';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef';
const JOIN_CONCURRENCY = 64;
const OPEN_CONCURRENCY = 256;

const count = (value: string) => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
};

type Admissions = 'at-once' | 'rolling';

function parseOptions(): { streams: number; ttl: number | undefined; admissions: Admissions } {
  const command = new Command('bench:push')
    .option('--streams <n>', 'open event streams', count, 10_000)
    .addOption(
      new Option('--admissions <how>', 'all waiters admitted in one event, or one by one as blockers run out')
        .choices(['at-once', 'rolling'])
        .default('at-once'),
    )
    .option('--ttl <seconds>', 'how long the blockers hold every slot (default: enough to open the streams)', count)
    .parse(process.argv);
  return command.opts();
}

type Waiter = {
  accessToken: string;
  queueToken: string;
  entryId: string;
  openedAt?: number;
  activeAt?: number;
  firstStatus?: string;
};

const tokens = new TokenService({ jwtSecret: JWT_SECRET, accessTokenTtlSeconds: 24 * 3600 } as AppConfig);

/** The 2N users (blockers, then waiters), registered by importing their sign-ups before the service starts. */
class Users implements UserNames {
  private readonly prefix = randomBytes(4).toString('hex');

  constructor(readonly count: number) {}

  userId(i: number): string {
    return `${this.prefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  }

  username(i: number): string {
    return `push${this.prefix}.${i}`;
  }

  accessToken(i: number): string {
    return tokens.signAccess({ userId: this.userId(i), username: this.username(i) }).accessToken;
  }
}

async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function joinQueue(url: string, concertId: string, accessToken: string): Promise<string> {
  const response = await fetch(`${url}/v1/concerts/${concertId}/queue`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const body = (await response.json()) as { queueToken?: string };
  if (!body.queueToken) throw new Error(`join: ${response.status} ${JSON.stringify(body)}`);
  return body.queueToken;
}

/** Opens one stream; resolves once its first status has arrived, and records the moment it says ACTIVE. */
function openStream(url: string, agent: Agent, waiter: Waiter, streams: IncomingMessage[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = get(
      `${url}/v1/queue/events`,
      { agent, headers: { authorization: `Bearer ${waiter.accessToken}`, 'x-queue-token': waiter.queueToken } },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`stream: ${response.statusCode}`));
          response.resume();
          return;
        }
        streams.push(response);
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (!data) continue;
            const { status } = JSON.parse(data.slice(6)) as { status: string };
            if (waiter.firstStatus === undefined) {
              waiter.firstStatus = status;
              waiter.openedAt = Date.now();
              resolve();
            }
            if (status === 'ACTIVE' && waiter.activeAt === undefined) waiter.activeAt = Date.now();
          }
        });
        response.on('error', () => undefined);
      },
    );
    request.on('error', reject);
  });
}

/** entryId → recordedAt (epoch ms) of the QueueAdmitted event that admitted it. */
async function admissionTimes(url: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (let after = 0; ;) {
    const response = await fetch(
      `${url}/v1/admin/events?category=QueueAdmission&type=QueueAdmitted&limit=1000&after=${after}`,
      { headers: { 'x-admin-key': ADMIN_KEY } },
    );
    const page = (await response.json()) as {
      events: { recordedAt: string; data: { entries: { entryId: string }[] } }[];
      next: number;
      head: number;
    };
    for (const event of page.events) {
      for (const entry of event.data.entries) times.set(entry.entryId, Date.parse(event.recordedAt));
    }
    if (page.events.length === 0 || page.next >= page.head) return times;
    after = page.next;
  }
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function until(what: () => Promise<boolean>, timeoutMs: number, intervalMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await what().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}

async function ready(service: Service): Promise<Service> {
  if (!(await until(async () => (await fetch(`${service.url}/ready`)).ok, 120_000))) throw new Error('not ready');
  progress(`service ready (pid ${service.pid ?? 'not ours'})`);
  return service;
}

function fileLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || Infinity;
}

async function main(): Promise<void> {
  const { streams: n, ttl: ttlOption, admissions } = parseOptions();
  const limit = fileLimit();
  if (limit < n + 1_024) throw new Error(`ulimit -Hn is ${limit}: ${n} streams need at least ${n + 1_024}`);
  // The blockers must outlast the opening of every stream (and, rolling, the joins, some hundreds a second here).
  const ttl = ttlOption ?? Math.ceil(admissions === 'at-once' ? 20 + n / 250 : 30 + n / 80);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-push-'));
  let service: Service | undefined;
  const open: IncomingMessage[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const users = new Users(2 * n);
    await seedUsers(users, { kind: 'pglite', dataDir });
    const env = {
      DATA_DIR: dataDir,
      JWT_SECRET,
      ADMIN_KEY,
      QUEUE_ACTIVE_CAPACITY: String(n),
      QUEUE_ACTIVE_TTL_SECONDS: String(ttl),
    };
    service = await ready(launchService(PORT, env));
    const concert = await new Client(service.url, ADMIN_KEY).createConcert(1);
    const waiters: Waiter[] = Array.from({ length: n }, (_, i) => ({
      accessToken: users.accessToken(n + i),
      queueToken: '',
      entryId: '',
    }));
    const blockedAt = Date.now();
    if (admissions === 'at-once') {
      // Blockers then waiters, as one run of joins: at start-up the leader admits the N blockers in one event.
      await service.stop();
      const queueTokens: string[] = [];
      await importJoins(users, concert.concertId, { kind: 'pglite', dataDir }, tokens, queueTokens);
      service = await ready(launchService(PORT, env));
      waiters.forEach((waiter, i) => (waiter.queueToken = queueTokens[n + i]));
    } else {
      // Each blocker is admitted as it joins, so their turns run out one after another over the time the joins took.
      const blockers = Array.from({ length: n }, (_, i) => users.accessToken(i));
      await inBatches(blockers, JOIN_CONCURRENCY, async (accessToken) => {
        await joinQueue(service!.url, concert.concertId, accessToken);
      });
      progress(`${n} blockers joined in ${((Date.now() - blockedAt) / 1000).toFixed(1)} s`);
      await inBatches(waiters, JOIN_CONCURRENCY, async (waiter) => {
        waiter.queueToken = await joinQueue(service!.url, concert.concertId, waiter.accessToken);
      });
    }
    for (const waiter of waiters) waiter.entryId = tokens.verifyQueue(waiter.queueToken).entryId;
    const url = service.url;
    progress(`opening ${n} event streams; the blockers hold every slot for ${ttl} s`);
    await inBatches(waiters, OPEN_CONCURRENCY, (waiter) => openStream(url, agent, waiter, open));
    const openedIn = (Date.now() - blockedAt) / 1000;
    const firstStatuses = new Map<string, number>();
    for (const w of waiters) firstStatuses.set(w.firstStatus!, (firstStatuses.get(w.firstStatus!) ?? 0) + 1);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const openMetric = Number(/^queue_event_streams_open (\d+)$/m.exec(metrics)?.[1]);
    progress(
      `${open.length} streams open after ${openedIn.toFixed(1)} s (first statuses ${JSON.stringify([...firstStatuses])}, metric ${openMetric}); waiting for the admission`,
    );
    if (openedIn >= ttl) progress('WARNING: the blockers ran out before every stream was open; raise --ttl');

    await until(async () => waiters.every((w) => w.activeAt !== undefined), (ttl - openedIn + 60) * 1000, 500);
    const admitted = await admissionTimes(url);
    const delays: number[] = [];
    let missing = 0;
    for (const waiter of waiters) {
      const at = admitted.get(waiter.entryId);
      if (waiter.activeAt === undefined || at === undefined) missing += 1;
      else delays.push(waiter.activeAt - at);
    }
    delays.sort((x, y) => x - y);
    const summary = {
      streams: n,
      admissions,
      ttlSeconds: ttl,
      openMetric,
      firstStatuses: Object.fromEntries(firstStatuses),
      toldOfAdmission: delays.length,
      neverToldOrNotAdmitted: missing,
      p50ms: percentile(delays, 50),
      p99ms: percentile(delays, 99),
      maxMs: delays.at(-1),
      withinOneSecond: delays.filter((d) => d <= 1_000).length,
    };
    console.log(
      `admission → ACTIVE on the stream: p50 ${summary.p50ms} ms  p99 ${summary.p99ms} ms  max ${summary.maxMs} ms  ` +
        `within 1 s ${summary.withinOneSecond} / ${n}  (never told ${missing})`,
    );
    console.log(`target ${summary.withinOneSecond === n ? 'met   ' : 'MISSED'} every stream told within 1 s`);
    console.log(JSON.stringify(summary));
  } finally {
    for (const stream of open) stream.destroy();
    agent.destroy();
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
