/**
 * npm run load -- <scenario> [--vus N] [--duration S] [--profile embedded|production] ...
 * The k6 scenarios (k6/*.js) with a Node load generator (undici), for
 * machines without k6: starts the service as `npm start` would (unless --url),
 * sets up the scenario, runs it, prints k6's summary for the same steps and
 * writes a self-contained HTML report. Exits 99 when a target is missed, as k6 does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionServices, startService } from '../bench/service';
import type { EventStoreConfig } from '../src/event-store/open-event-store';
import { Args, parseArgs, USAGE } from './args';
import { findPidByEnv } from './cpu-share';
import { writeReport } from './report';
import { runScenario } from './run';
import { SCENARIOS } from './scenarios';
import { formatSummary } from './summary';

const progress = (message: string) => process.stderr.write(`[load] ${message}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

type Service = { url: string; adminKey: string; pid?: number; prepared?: unknown; stop(): Promise<void> };

const JWT_SECRET = 'load-jwt-secret-0123456789abcdef';

async function serviceFor(args: Args): Promise<Service> {
  if (args.url) {
    const adminKey = process.env.ADMIN_KEY;
    if (!adminKey) throw new Error('--url needs ADMIN_KEY in the environment');
    return { url: args.url, adminKey, stop: async () => undefined };
  }
  const adminKey = process.env.ADMIN_KEY ?? 'load-admin-key-0123456789';
  const scenarioEnv = SCENARIOS[args.scenario].serviceEnv(args);
  const dataDir = mkdtempSync(join(tmpdir(), 'load-'));
  const production = args.profile === 'production' ? await productionServices() : undefined;
  const scenario = SCENARIOS[args.scenario];
  const store: EventStoreConfig = production
    ? { kind: 'postgres', url: production.env.DATABASE_URL }
    : { kind: 'pglite', dataDir };
  const prepared = await scenario.prepare?.(store, JWT_SECRET, args, progress);
  progress(`starting the service (${args.profile} profile) with ${JSON.stringify(scenarioEnv)}`);
  // Marks the child's environment, so the run can find its pid and watch its share of the CPUs.
  const marker = `LOAD_RUN=${process.pid}-${Date.now()}`;
  const service = await startService(await freePort(), {
    [marker.split('=')[0]]: marker.split('=')[1],
    ...production?.env,
    JWT_SECRET,
    ...(production ? {} : { DATA_DIR: dataDir }),
    ADMIN_KEY: adminKey,
    ...scenarioEnv,
  });
  return {
    url: service.url,
    adminKey,
    pid: findPidByEnv(marker),
    prepared,
    async stop() {
      await service.stop();
      await production?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const service = await serviceFor(args);
  try {
    const scenario = SCENARIOS[args.scenario];
    const run = await runScenario(scenario, args, service, args.profile, progress);
    console.log(formatSummary(run));
    for (const u of run.unexpected) console.log(`  unexpected ${u.key}: ${u.count}x, e.g. ${u.example}`);
    console.log(`\n  report: ${writeReport(run, args.reportDir)}`);
    return run.thresholds.every((t) => t.ok) ? 0 : 99;
  } finally {
    await service.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
