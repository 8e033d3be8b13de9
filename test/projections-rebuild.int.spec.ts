import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { Client, User } from './support/client';
import { makeActive, makeUsers, pollUntil, prng, sameUserOn, sleep } from './support/e2e';
import { expectSameAsFreshReplay } from './support/fresh-replay';
import { freshProductionEnv } from './support/production';
import { describeWithProductionServices } from './support/services';
import { cli } from './cli/cli-run';

const ROOT = join(__dirname, '..');

type Listed = { projections: { name: string; generation: number; lag: number | null }[] };

describeWithProductionServices('projections: blue/green rebuild and verify of Redis and MongoDB', () => {
  let fresh: Awaited<ReturnType<typeof freshProductionEnv>>;
  let a: RunningApp;
  let b: RunningApp;
  let users: User[];
  let paths: string[];
  let env: Record<string, string>;

  /** What every path answers each user, as one comparable value. */
  const answers = async (client: Client) => {
    const seen: unknown[] = [];
    for (const user of users) {
      for (const path of paths) {
        const response = await sameUserOn(client, user).call('GET', path);
        seen.push([path, response.status, response.body]);
      }
    }
    return seen;
  };

  beforeAll(async () => {
    fresh = await freshProductionEnv();
    env = { ...fresh.env, JWT_SECRET: 'test-jwt-secret-0123456789abcdef' };
    a = await startApp({ ...env, INSTANCE_ID: 'rebuild-a' });
    b = await startApp({ ...env, INSTANCE_ID: 'rebuild-b' });
    // A random history: holds, cancellations, payments and charges by several users on two schedules.
    const concert = await a.client.createConcert(200, 2);
    users = await makeUsers(a.client, 6, 'rebuild');
    await makeActive(users, concert.concertId);
    const random = prng(42);
    for (const user of users) await user.charge(50_000);
    for (let i = 0; i < 400; i++) {
      const user = users[Math.floor(random() * users.length)];
      const schedule = concert.schedules[Math.floor(random() * 2)];
      const seat = schedule.seatIds[Math.floor(random() * schedule.seatIds.length)];
      const hold = await user.hold(schedule.scheduleId, [seat]);
      if (hold.status !== 201) continue;
      if (random() < 0.3) await user.call('DELETE', `/v1/reservations/${hold.body.reservationId}`);
      else if (i > 340 && random() < 0.5) await user.pay(hold.body.reservationId); // paying ends a queue entry
    }
    paths = [
      '/v1/queue/status',
      '/v1/wallet',
      `/v1/concerts/${concert.concertId}/schedules`,
      ...concert.schedules.map((s) => `/v1/schedules/${s.scheduleId}/seats`),
    ];
    const head = (await a.client.request('GET', '/ready')).body.eventStore.head as number;
    for (const app of [a, b]) {
      await pollUntil(
        async () => (await app.client.request('GET', '/ready')).body.projections.lag as number,
        (lag) => lag === 0,
        20_000,
      );
    }
    expect(head).toBeGreaterThan(400);
  }, 180_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fresh?.drop();
  });

  it('rebuilds every projection beside the live one; no query meanwhile answers from a half-built model', async () => {
    const before = await answers(a.client);
    expect(await answers(b.client)).toEqual(before);

    // Both instances are read throughout; each answer must be the one before the rebuild.
    let reading = true;
    const mismatches: unknown[] = [];
    let reads = 0;
    const readers = [a, b].map(async (app) => {
      while (reading) {
        const now = await answers(app.client);
        reads++;
        if (JSON.stringify(now) !== JSON.stringify(before)) mismatches.push(now);
      }
    });
    const rebuilt = await cli(['--url', a.url, '--admin-key', ADMIN_KEY, '--json', 'projections:rebuild', '--all']);
    await sleep(1_500); // past both instances' switch
    reading = false;
    await Promise.all(readers);
    expect(rebuilt.stderr).toContain('generation 1 of mongo-documents is live');
    expect(rebuilt.code).toBe(0);
    const job = JSON.parse(rebuilt.stdout);
    expect(job.results.map((r: { projection: string; generation: number }) => [r.projection, r.generation])).toEqual([
      // A production instance keeps no in-process read model: there is none to rebuild.
      ['redis-queues', 1],
      ['mongo-documents', 1],
    ]);
    expect(reads).toBeGreaterThan(4);
    expect(mismatches).toEqual([]);

    // Both instances read the new generations; the old ones are gone.
    for (const app of [a, b]) {
      const ready = (await app.client.request('GET', '/ready')).body;
      expect(ready.projections.stores.map((s: { generation: number }) => s.generation)).toEqual([1, 1]);
    }
    const redis = new Redis(process.env.REDIS_URL!);
    expect(await redis.keys(`${env.REDIS_KEY_PREFIX}q:*`)).toEqual([]);
    expect((await redis.keys(`${env.REDIS_KEY_PREFIX}g1:q:*`)).length).toBeGreaterThan(0);
    redis.disconnect();
    const mongo = new MongoClient(env.MONGODB_URL);
    const databases = (await mongo.db().admin().listDatabases()).databases.map((d) => d.name);
    const base = mongo.db().databaseName;
    expect(databases).toContain(`${base}_g1`);
    expect(databases).not.toContain(base);
    await mongo.close();

    // New writes land in the new generation on both instances, and a fresh replay agrees.
    const charged = await users[0].charge(777);
    expect(charged.status).toBe(200);
    const wallet = await sameUserOn(b.client, users[0]).call('GET', '/v1/wallet', undefined, {
      'x-min-position': charged.headers.get('x-event-position')!,
    });
    expect(wallet.body.balance).toBe(charged.body.balance);
    const head = (await a.client.request('GET', '/ready')).body.eventStore.head as number;
    await expectSameAsFreshReplay(b, env, users, paths, head);
  }, 120_000);

  it('verifies every projection against a scratch replay, through the service and directly on the stores', async () => {
    const remote = await cli(['--url', b.url, '--admin-key', ADMIN_KEY, 'projections:verify', '--all']);
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(remote.stdout).not.toMatch(/^in-memory/m);
    expect(remote.stdout).toMatch(/^redis-queues: same as a replay/m);
    expect(remote.stdout).toMatch(/^mongo-documents: same as a replay/m);

    const direct = { ...env, PROFILE: 'production' };
    const listed = await cli(['--json', 'projections:list'], direct);
    expect(listed.code).toBe(0);
    const projections = (JSON.parse(listed.stdout) as Listed).projections;
    expect(projections.map((p) => [p.name, p.generation])).toEqual([
      ['in-memory', 0],
      ['redis-queues', 1],
      ['mongo-documents', 1],
    ]);
    const verified = await cli(['projections:verify', '--all'], direct);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);

    // A document changed behind the projections' back is found, and the exit code says so.
    const redis = new Redis(process.env.REDIS_URL!);
    const [entry] = await redis.keys(`${env.REDIS_KEY_PREFIX}g1:q:*:e:*`);
    await redis.hset(entry, 'u', 'someone-else');
    const differs = await cli(['projections:verify', 'redis-queues'], direct);
    redis.disconnect();
    expect(differs.code).toBe(1);
    expect(differs.stdout).toMatch(/redis-queues: DIFFERS .*: 1 of \d+ documents/);
    expect(differs.stdout).toContain('someone-else');
    expect(differs.stderr).toMatch(/read models differ: redis-queues/);
    // Rebuilding repairs it.
    expect((await cli(['projections:rebuild', 'redis-queues'], direct)).code).toBe(0);
    expect((await cli(['projections:verify', 'redis-queues'], direct)).code).toBe(0);
  }, 120_000);

  it('resumes a rebuild whose process was killed (SIGKILL) half-way', async () => {
    // Large events keep the MongoDB replay busy for a while.
    for (let i = 0; i < 3; i++) await a.client.createConcert(20_000);
    const direct = { ...process.env, ...env, PROFILE: 'production' } as Record<string, string>;
    const pg = new PgClient({ connectionString: env.DATABASE_URL });
    pg.on('error', () => undefined); // the suite's teardown drops the database under it
    await pg.connect();
    const rebuilding = async () =>
      (
        await pg.query<{ rebuilding: number }>(
          'SELECT rebuilding FROM read_model_generations WHERE rebuilding IS NOT NULL',
        )
      ).rows[0]?.rebuilding;
    // Killed as soon as its new generation is recorded. On a fast day a replay can finish first; then the
    // next generation's rebuild is killed instead (a rebuild that ended is no test of resuming).
    let killed: number | undefined;
    try {
      for (let attempt = 0; attempt < 3 && killed === undefined; attempt++) {
        const child = spawn(
          process.execPath,
          [
            '-r',
            join(ROOT, 'test', 'support', 'ts-register.js'),
            join(ROOT, 'src', 'cli', 'main.ts'),
            'projections:rebuild',
            'mongo-documents',
          ],
          { env: direct, stdio: 'ignore' },
        );
        let ended = false;
        const exited = new Promise((resolve) => child.once('exit', resolve)).then(() => (ended = true));
        await pollUntil(rebuilding, (generation) => generation !== undefined || ended, 60_000, 5);
        child.kill('SIGKILL');
        await exited;
        killed = await rebuilding(); // set only when it died before switching
      }
    } finally {
      await pg.end();
    }
    expect(killed).toBeDefined();

    const resumed = await cli(['--json', 'projections:rebuild', 'mongo-documents'], direct);
    expect(resumed.stderr).toContain('waiting for the lease of mongo-documents');
    expect(resumed.code).toBe(0);
    const [report] = JSON.parse(resumed.stdout).results;
    expect(report).toMatchObject({
      projection: 'mongo-documents',
      generation: killed,
      previous: killed! - 1,
      resumed: true,
    });
    expect((await cli(['projections:verify', 'mongo-documents'], direct)).code).toBe(0);
    const listed = JSON.parse((await cli(['--json', 'projections:list'], direct)).stdout);
    expect((listed as Listed).projections.find((p) => p.name === 'mongo-documents')?.generation).toBe(killed);
  }, 180_000);
});
