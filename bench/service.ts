import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freshProductionEnv } from '../test/support/production';

// As `npm start` runs it: a larger young generation halves the time spent in scavenges under load.
const NODE_FLAGS = ['--max-semi-space-size=128'];
const ROOT = join(__dirname, '..', '..');

/**
 * Benches and load runs sign up and log in up to thousands of users from this
 * one address before the clock starts; the service's defaults would refuse
 * them (see README, Configuration). Set them in the environment to bench the real ones.
 */
const AUTH_THROTTLES = {
  AUTH_THROTTLE_PER_ACCOUNT: '1000000',
  AUTH_THROTTLE_LOGIN_PER_ADDRESS: '1000000',
  AUTH_THROTTLE_SIGNUP_PER_ADDRESS: '1000000',
};

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** A running service: its URL and, when this bench started it, its process id. */
export type Service = { url: string; pid: number | undefined; stop(): Promise<void> };

/** The service as a child process, as `npm start` runs it, with `env` on top of ours. */
export async function startService(port: number, env: Record<string, string>): Promise<Service> {
  const service = launchService(port, env);
  await waitForReady(service.url);
  return service;
}

/** Spawns the service and returns at once, so a caller can time its start itself. */
export function launchService(port: number, env: Record<string, string>): Service {
  const url = process.env.BENCH_URL ?? `http://127.0.0.1:${port}`;
  // BENCH_URL points the bench at a service you started yourself (for profiling it).
  const child: ChildProcess | undefined = process.env.BENCH_URL
    ? undefined
    : spawn(
        process.execPath,
        [
          ...NODE_FLAGS,
          ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
          join(__dirname, '..', 'src', 'main.js'),
        ],
        {
          env: { ...AUTH_THROTTLES, ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
  const exited = child && new Promise((resolve) => child.once('exit', resolve));
  return {
    url,
    pid: child?.pid,
    async stop() {
      if (!child) return;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForReady(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
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

/**
 * PostgreSQL, Redis and FerretDB for a production-profile run: the URLs you
 * set, or servers started by the project's infra/ scripts. Each run gets its
 * own database, key prefix and MongoDB database, dropped afterwards.
 */
export async function productionServices(): Promise<Awaited<ReturnType<typeof freshProductionEnv>>> {
  const scripts = { DATABASE_URL: 'postgres', REDIS_URL: 'redis', MONGODB_URL: 'ferretdb' } as const;
  for (const [variable, script] of Object.entries(scripts)) {
    if (process.env[variable]) continue;
    progress(`${variable} not set: starting infra/${script}.sh`);
    const output = execFileSync('bash', [join(ROOT, 'infra', `${script}.sh`), 'start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.env[variable] = output.trim().split('\n').pop();
  }
  return freshProductionEnv();
}

/** p99 of a Prometheus histogram per value of `label` (the upper bound of the bucket that holds it). */
export function histogramP99(metrics: string, name: string, label: string): Record<string, number> {
  const series = new Map<string, [number, number][]>();
  for (const line of metrics.split('\n')) {
    const match = line.match(new RegExp(`^${name}_bucket\\{(.*)\\} (\\d+)`));
    if (!match) continue;
    const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    const key = labels[label] ?? '';
    series.set(key, [...(series.get(key) ?? []), [le, Number(match[2])]]);
  }
  const result: Record<string, number> = {};
  for (const [key, buckets] of series) {
    const sorted = buckets.sort((x, y) => x[0] - y[0]);
    const total = sorted.at(-1)?.[1] ?? 0;
    const bound = sorted.find(([, count]) => count >= total * 0.99)?.[0];
    if (total && bound !== undefined) result[key] = bound * 1000;
  }
  return result;
}
