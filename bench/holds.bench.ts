/**
 * npm run bench:holds — starts the service (embedded profile, fresh DATA_DIR)
 * as a child process, creates a 20,000-seat schedule, admits 100 users, and
 * drives POST /v1/reservations (one distinct seat per request) from 100
 * connections for BENCH_SECONDS (default 20). Holds last 3 s here so the
 * seats can be cycled through more than once during the run.
 * BENCH_RATE=n offers at most n holds/s instead of as many as the service takes.
 * BENCH_PROFILE=production runs it on PostgreSQL + Redis + MongoDB (started by
 * infra/ when their URLs are not set) and reports the projection delay p99;
 * with KAFKA_BROKERS set too, the stores are fed through Kafka (a topic of
 * the run's own).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client, User } from '../test/support/client';
import { histogramP99, productionServices, progress, startService } from './service';

const SEATS = 20_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3901);
// BENCH_RATE caps the offered holds/s (all connections together), to measure projection delay below saturation.
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const ADMIN_KEY = process.env.ADMIN_KEY ?? 'bench-admin-key-123456';
const PRODUCTION = process.env.BENCH_PROFILE === 'production';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const production = PRODUCTION ? await productionServices() : undefined;
  const profile = PRODUCTION
    ? `production profile${process.env.KAFKA_BROKERS ? ' fed through Kafka' : ''}`
    : 'embedded profile';
  progress(`starting the service (${profile})`);
  const service = await startService(PORT, {
    ...production?.env,
    ...(PRODUCTION && process.env.KAFKA_BROKERS ? { KAFKA_TOPIC: `bench-${Date.now().toString(36)}` } : {}),
    ...(PRODUCTION ? { JWT_SECRET: 'bench-jwt-secret-0123456789abcdef' } : { DATA_DIR: dataDir }),
    ADMIN_KEY,
    HOLD_TTL_SECONDS: '3',
    QUEUE_ACTIVE_CAPACITY: String(CONNECTIONS),
  });
  try {
    const url = service.url;
    const client = new Client(url, ADMIN_KEY);
    progress(`creating a schedule of ${SEATS} seats`);
    const concert = await client.createConcert(SEATS);
    const { scheduleId, seatIds } = concert.schedules[0];
    progress(`signing up and admitting ${CONNECTIONS} users`);
    const users: User[] = [];
    for (let i = 0; i < CONNECTIONS; i += 10) {
      users.push(...(await Promise.all(Array.from({ length: Math.min(10, CONNECTIONS - i) }, () => client.user()))));
    }
    for (const user of users) await user.joinAndWaitActive(concert.concertId);

    progress(`holding seats from ${CONNECTIONS} connections for ${SECONDS} s`);
    let next = 0;
    let clientIndex = 0;
    const result = await autocannon({
      url: `${url}/v1/reservations`,
      connections: CONNECTIONS,
      duration: SECONDS,
      ...(RATE ? { overallRate: RATE } : {}),
      method: 'POST',
      setupClient: (c) => {
        const user = users[clientIndex++ % users.length];
        c.setHeaders({
          authorization: `Bearer ${user.accessToken}`,
          'x-queue-token': user.queueToken,
          'content-type': 'application/json',
        });
      },
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ scheduleId, seatIds: [seatIds[next++ % SEATS]] }),
          }),
        },
      ],
    });
    const holds = result['2xx'];
    const summary = {
      holdsPerSecond: Math.round(holds / SECONDS),
      p50ms: result.latency.p50,
      p99ms: result.latency.p99,
      holds,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    };
    // How long after being recorded an event reached the read models queries use (per applied batch).
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const projectionDelayP99ms = histogramP99(metrics, 'projection_delay_seconds', 'projection');
    // Still behind at the end of the run: events the read-model stores have not applied yet.
    const lagAtEnd = Object.fromEntries(
      [...metrics.matchAll(/^projection_lag_events\{projection="([^"]+)"\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]),
    );
    // With Kafka: how many events each store took from the broker and how many from the event store.
    const feeds: Record<string, Record<string, number>> = {};
    for (const m of metrics.matchAll(/^projection_feed_events_total\{projection="([^"]+)",feed="([^"]+)"\} (\d+)/gm)) {
      feeds[m[1]] = { ...feeds[m[1]], [m[2]]: Number(m[3]) };
    }
    console.log(`holds/s ${summary.holdsPerSecond}  p50 ${summary.p50ms} ms  p99 ${summary.p99ms} ms`);
    if (PRODUCTION) {
      for (const [projection, ms] of Object.entries(projectionDelayP99ms)) {
        const fed = feeds[projection] ? `, fed ${JSON.stringify(feeds[projection])}` : '';
        console.log(`projection delay p99 ${projection} <= ${ms} ms, lag at end ${lagAtEnd[projection]} events${fed}`);
      }
    }
    console.log(JSON.stringify({ ...summary, ...(PRODUCTION ? { projectionDelayP99ms, lagAtEnd, feeds } : {}) }));
  } finally {
    await service.stop();
    await production?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
