import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { Client, Response, User } from './support/client';
import { makeActive, makeUsers, maxPosition, pollUntil } from './support/e2e';
import { expectSameAsFreshReplay } from './support/fresh-replay';
import { PrivateService } from './support/private-services';
import { freshProductionEnv } from './support/production';
import { describeWithProductionServices } from './support/services';

type Probe = { status: number; stale: boolean; ms: number; code?: string; retryAfter: string | null };

async function probe(user: User, path: string): Promise<Probe> {
  const started = Date.now();
  const response: Response = await user.call('GET', path);
  return {
    status: response.status,
    stale: response.headers.get('x-data-stale') === 'true',
    ms: Date.now() - started,
    code: response.body?.code,
    retryAfter: response.headers.get('retry-after'),
  };
}

/** During an outage a query answers stale (200, marked) or 503 with Retry-After; never hangs, never a 500. */
function expectHonestOutageAnswer(answer: Probe): void {
  expect(answer.ms).toBeLessThan(3_000);
  if (answer.status === 200) expect(answer.stale).toBe(true);
  else {
    expect(answer).toMatchObject({ status: 503, code: 'READ_MODEL_UNAVAILABLE' });
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  }
}

const breakers = async (client: Client) => (await client.request('GET', '/ready')).body.breakers;

describeWithProductionServices('read-model stores going down and coming back', () => {
  let redis: PrivateService;
  let mongo: PrivateService;
  let fresh: Awaited<ReturnType<typeof freshProductionEnv>>;
  let app: RunningApp;
  let users: User[];
  let concertId: string;
  let scheduleId: string;
  let seatIds: string[];

  beforeAll(async () => {
    // One at a time, so afterAll can stop whichever started even when the other failed to.
    redis = await PrivateService.start('redis');
    mongo = await PrivateService.start('ferretdb');
    fresh = await freshProductionEnv({ REDIS_URL: redis.url, MONGODB_URL: mongo.url });
    app = await startApp(fresh.env);
    const concert = await app.client.createConcert(12, 2);
    concertId = concert.concertId;
    ({ scheduleId, seatIds } = concert.schedules[0]);
    users = await makeUsers(app.client, 3, 'fault');
    await makeActive(users, concertId);
    for (const user of users) await user.charge(50_000);
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await fresh?.drop();
    await Promise.all([redis?.destroy(), mongo?.destroy()]);
  });

  /** Every answer equals the one an instance rebuilding both stores from the log alone gives. */
  const matchesFreshReplay = (position: number) =>
    expectSameAsFreshReplay(
      app,
      fresh.env,
      users,
      ['/v1/queue/status', '/v1/wallet', `/v1/schedules/${scheduleId}/seats`, `/v1/concerts/${concertId}/schedules`],
      position,
      { REDIS_URL: redis.url, MONGODB_URL: mongo.url },
    );

  it('Redis down: queue status answers stale or 503 at once, commands still succeed; back up: the breaker closes and the ranking is rebuilt', async () => {
    const [seen] = users;
    expect((await probe(seen, '/v1/queue/status')).status).toBe(200); // cached as a last good answer
    // A user whose place in line nobody has read yet: no last good answer to fall back on.
    const [unseen] = await makeUsers(app.client, 1, 'late');
    expect((await unseen.join(concertId)).status).toBe(201);
    await redis.command('stop');

    // Enough traffic to open the breaker; each answer is stale (seen before) or 503 (never seen).
    const burst = await Promise.all(
      Array.from({ length: 60 }, (_, i) => probe(i % 2 ? seen : unseen, '/v1/queue/status')),
    );
    burst.forEach(expectHonestOutageAnswer);
    expect(burst.filter((a) => a.stale).length).toBeGreaterThan(0);
    expect(burst.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect((await breakers(app.client)).redis).toBe('open');
    expect((await app.client.request('GET', '/metrics')).body).toMatch(/read_breaker_state\{breaker="redis"\} 2/);

    // Commands need only the event store.
    const writes = [await seen.hold(scheduleId, seatIds.slice(0, 2)), await unseen.charge(1_000)];
    expect(writes.map((w) => w.status)).toEqual([201, 200]);

    await redis.command('start'); // comes back empty: nothing is persisted
    const healed = await pollUntil(
      () => probe(unseen, '/v1/queue/status'),
      (a) => a.status === 200 && !a.stale,
      30_000,
      250,
    );
    expect(healed).toMatchObject({ status: 200, stale: false });
    expect((await breakers(app.client)).redis).toBe('closed');
    await matchesFreshReplay(maxPosition(writes));
  }, 120_000);

  it('MongoDB down: seat maps answer stale or 503 within the timeout, commands still succeed; back up: caught up and equal to a fresh replay', async () => {
    const [reader, buyer] = users;
    const otherSchedule = `/v1/concerts/${concertId}/schedules`;
    expect((await probe(reader, `/v1/schedules/${scheduleId}/seats`)).status).toBe(200);
    await mongo.command('stop');

    const during = await Promise.all([
      probe(reader, `/v1/schedules/${scheduleId}/seats`),
      probe(buyer, '/v1/wallet'),
      probe(buyer, otherSchedule),
    ]);
    during.forEach(expectHonestOutageAnswer);
    expect(during[0].stale).toBe(true);

    const hold = await buyer.hold(scheduleId, seatIds.slice(4, 6));
    expect(hold.status).toBe(201);
    const paid = await buyer.pay(hold.body.reservationId);
    expect(paid.status).toBe(201);

    await mongo.command('start');
    const healed = await pollUntil(
      () => probe(reader, `/v1/schedules/${scheduleId}/seats`),
      (a) => a.status === 200 && !a.stale,
      30_000,
      250,
    );
    expect(healed).toMatchObject({ status: 200, stale: false });
    // Read-your-writes: 503 READ_MODEL_STALE (with Retry-After) until the runner has caught up, then the sale.
    const seats = await pollUntil(
      () =>
        reader.call('GET', `/v1/schedules/${scheduleId}/seats`, undefined, {
          'x-min-position': String(maxPosition([paid])),
        }),
      (response) => response.status !== 503,
      30_000,
      250,
    );
    expect(seats.status).toBe(200);
    expect(
      seats.body.filter((s: { status: string }) => s.status === 'SOLD').map((s: { seatId: string }) => s.seatId),
    ).toEqual(seatIds.slice(4, 6));
    await matchesFreshReplay(maxPosition([paid]));
  }, 120_000);

  it('says it is degraded, not down, while a store is away: commands keep the instance ready', async () => {
    const client = new Client(app.url, ADMIN_KEY);
    await redis.command('stop');
    try {
      expect((await users[2].charge(100)).status).toBe(200); // the queue runner meets the outage on its next batch
      const ready = await pollUntil(
        () => client.request('GET', '/ready'),
        (r) => r.body.readModels.status === 'degraded',
        10_000,
        200,
      );
      expect(ready.status).toBe(200);
      expect(ready.body.readModels.status).toBe('degraded');
    } finally {
      await redis.command('start');
    }
  }, 60_000);
});
