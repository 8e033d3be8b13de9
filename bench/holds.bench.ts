/**
 * npm run bench:holds — starts the service (embedded profile, fresh DATA_DIR)
 * as a child process, creates a 20,000-seat schedule, admits 100 users, and
 * drives POST /v1/reservations (one distinct seat per request) from 100
 * connections for BENCH_SECONDS (default 20). Holds last 3 s here so the
 * seats can be cycled through more than once during the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client, User } from '../test/support/client';

const SEATS = 20_000;
// As `npm start` runs it: a larger young generation halves the time spent in scavenges under load.
const NODE_FLAGS = ['--max-semi-space-size=128'];
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PORT = Number(process.env.BENCH_PORT ?? 3901);
const ADMIN_KEY = process.env.ADMIN_KEY ?? 'bench-admin-key-123456';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  // BENCH_URL points the bench at a service you started yourself (for profiling it).
  const service = process.env.BENCH_URL
    ? undefined
    : spawn(
        process.execPath,
        [
          ...NODE_FLAGS,
          ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
          join(__dirname, '..', 'src', 'main.js'),
        ],
        {
          env: {
            ...process.env,
            PORT: String(PORT),
            HOST: '127.0.0.1',
            DATA_DIR: dataDir,
            ADMIN_KEY,
            HOLD_TTL_SECONDS: '3',
            QUEUE_ACTIVE_CAPACITY: String(CONNECTIONS),
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
  try {
    const url = process.env.BENCH_URL ?? `http://127.0.0.1:${PORT}`;
    await waitForReady(url);
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
    console.log(`holds/s ${summary.holdsPerSecond}  p50 ${summary.p50ms} ms  p99 ${summary.p99ms} ms`);
    console.log(JSON.stringify(summary));
  } finally {
    if (service) {
      service.kill('SIGTERM');
      await new Promise((resolve) => service.once('exit', resolve));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitForReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('service did not become ready');
}

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
