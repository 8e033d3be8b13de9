/**
 * npm run bench:reads — the production profile's query side under load:
 * starts PostgreSQL, Redis and FerretDB through infra/ (or uses DATABASE_URL,
 * REDIS_URL, MONGODB_URL), starts the service, queues 100 users (half ACTIVE,
 * half WAITING) and reads GET /v1/queue/status, then the seat map of a
 * 500-seat schedule, each from 100 connections for BENCH_SECONDS (default 20).
 */
import autocannon from 'autocannon';
import { Client, User } from '../test/support/client';
import { productionServices, progress, startService } from './service';

const SEATS = 500;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3902);
const ADMIN_KEY = process.env.ADMIN_KEY ?? 'bench-admin-key-123456';

type Run = { name: string; requestsPerSecond: number; p50ms: number; p99ms: number; non2xx: number; errors: number };

async function drive(name: string, url: string, users: readonly User[]): Promise<Run> {
  progress(`${name}: ${CONNECTIONS} connections for ${SECONDS} s`);
  let clientIndex = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    setupClient: (c) => {
      const user = users[clientIndex++ % users.length];
      c.setHeaders({ authorization: `Bearer ${user.accessToken}`, 'x-queue-token': user.queueToken });
    },
  });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.total / SECONDS),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const production = await productionServices();
  progress('starting the service (production profile)');
  const service = await startService(PORT, {
    ...production.env,
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef',
    ADMIN_KEY,
    QUEUE_ACTIVE_CAPACITY: String(Math.ceil(CONNECTIONS / 2)),
  });
  try {
    const client = new Client(service.url, ADMIN_KEY);
    progress(`creating a concert with a ${SEATS}-seat schedule`);
    const concert = await client.createConcert(SEATS);
    const { scheduleId } = concert.schedules[0];
    progress(`signing up and queueing ${CONNECTIONS} users`);
    const users: User[] = [];
    for (let i = 0; i < CONNECTIONS; i += 10) {
      users.push(...(await Promise.all(Array.from({ length: Math.min(10, CONNECTIONS - i) }, () => client.user()))));
    }
    for (const user of users) await user.join(concert.concertId);
    const active: User[] = [];
    for (const user of users) if ((await user.waitForStatus('ACTIVE', 200)).body.status === 'ACTIVE') active.push(user);
    progress(`${active.length} ACTIVE, ${users.length - active.length} WAITING`);

    const runs = [
      await drive('queue status', `${service.url}/v1/queue/status`, users),
      await drive(`seat map (${SEATS} seats)`, `${service.url}/v1/schedules/${scheduleId}/seats`, active),
    ];
    for (const run of runs) {
      console.log(
        `${run.name}: ${run.requestsPerSecond} req/s  p50 ${run.p50ms} ms  p99 ${run.p99ms} ms  non-2xx ${run.non2xx}`,
      );
    }
    console.log(JSON.stringify(runs));
  } finally {
    await service.stop();
    await production.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
