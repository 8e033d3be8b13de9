import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { Client, User } from './support/client';
import { makeActive, makeUsers, maxPosition, prng, pick, sameUserOn, seatIdsWith } from './support/e2e';
import { freshProductionEnv } from './support/production';
import { describeWithProductionServices } from './support/services';
import { purchaseFlowCheck } from './support/purchase-flow';

/** Every query a user can make, read on one instance once it has applied `position`. */
async function answersOf(
  user: User,
  concertId: string,
  scheduleId: string,
  reservationIds: string[],
  position: number,
) {
  const at = { 'x-min-position': String(position) };
  const read = async (path: string) => {
    const response = await user.call('GET', path, undefined, at);
    expect(response.headers.get('x-data-stale')).toBeNull();
    return { status: response.status, body: response.body };
  };
  return {
    concerts: await read('/v1/concerts'),
    schedules: await read(`/v1/concerts/${concertId}/schedules`),
    seats: await read(`/v1/schedules/${scheduleId}/seats`),
    wallet: await read('/v1/wallet'),
    queue: await read('/v1/queue/status'),
    reservations: await Promise.all(reservationIds.map((id) => read(`/v1/reservations/${id}`))),
  };
}

describeWithProductionServices('production profile: two instances over PostgreSQL, Redis and MongoDB', () => {
  let fresh: Awaited<ReturnType<typeof freshProductionEnv>>;
  let a: RunningApp;
  let b: RunningApp;
  let client: Client;

  beforeAll(async () => {
    fresh = await freshProductionEnv();
    a = await startApp({ ...fresh.env, INSTANCE_ID: 'prod-a', QUEUE_ACTIVE_CAPACITY: '50' });
    b = await startApp({ ...fresh.env, INSTANCE_ID: 'prod-b', QUEUE_ACTIVE_CAPACITY: '50' });
    client = new Client([a.url, b.url], ADMIN_KEY);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fresh?.drop();
  });

  it('reports Redis and MongoDB read models with closed breakers in /ready', async () => {
    const ready = await a.client.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.readModels).toEqual({ status: 'up', kind: 'redis+mongodb' });
    expect(ready.body.breakers).toEqual({ redis: 'closed', mongo: 'closed' });
    expect(ready.body.projections.stores.map((s: { name: string }) => s.name).sort()).toEqual([
      'mongo-documents',
      'redis-queues',
    ]);
    const metrics = await a.client.request('GET', '/metrics');
    expect(metrics.body).toMatch(/read_breaker_state\{breaker="redis"\} 0/);
    expect(metrics.body).toMatch(/projection_lag_events\{projection="mongo-documents"\} \d+/);
  });

  it('runs the whole purchase flow with every request alternating between the instances', () =>
    purchaseFlowCheck(client));

  it('never oversells when users race for the same seats through both instances, and both instances agree', async () => {
    const concert = await client.createConcert(6);
    const { scheduleId, seatIds } = concert.schedules[0];
    const users = await makeUsers(client, 24, 'race');
    await makeActive(users, concert.concertId);
    const random = prng(7);
    const holds = await Promise.all(users.map((user) => user.hold(scheduleId, pick(seatIds, 2, random))));
    expect(holds.every((h) => h.status === 201 || h.status === 409)).toBe(true);
    const won = holds.filter((h) => h.status === 201).flatMap((h) => h.body.seatIds as string[]);
    expect(new Set(won).size).toBe(won.length);
    expect(won.length).toBeGreaterThan(0);

    // Losing holds release what they took before answering 409, which carries no position: read at the head.
    const position = (await a.client.request('GET', '/ready')).body.eventStore.head as number;
    expect(position).toBeGreaterThanOrEqual(maxPosition(holds));
    const reader = users[0];
    const onA = sameUserOn(a.client, reader);
    const onB = sameUserOn(b.client, reader);
    const reservationIds = holds.filter((h) => h.status === 201).map((h) => h.body.reservationId as string);
    const [fromA, fromB] = await Promise.all([
      answersOf(onA, concert.concertId, scheduleId, [], position),
      answersOf(onB, concert.concertId, scheduleId, [], position),
    ]);
    expect(fromB).toEqual(fromA);
    expect(seatIdsWith(fromA.seats.body, 'HELD').sort()).toEqual([...won].sort());
    expect(fromA.schedules.body[0]).toMatchObject({ availableSeats: 6 - won.length, totalSeats: 6 });
    expect(reservationIds.length).toBe(won.length / 2);
  });

  it('read models are disposable: a fresh Redis prefix and MongoDB database replayed from the log answer the same', async () => {
    const concert = await client.createConcert(8);
    const { scheduleId, seatIds } = concert.schedules[0];
    const [buyer, holder] = await makeUsers(client, 2, 'replay');
    await makeActive([buyer, holder], concert.concertId);
    await buyer.charge(10_000);
    const bought = await buyer.hold(scheduleId, seatIds.slice(0, 2));
    const paid = await buyer.pay(bought.body.reservationId);
    expect(paid.status).toBe(201);
    const held = await holder.hold(scheduleId, seatIds.slice(2, 3));
    const position = maxPosition([paid, held]);
    const ids = [bought.body.reservationId as string];

    const replayed = await freshProductionEnv();
    const c = await startApp({
      ...fresh.env,
      REDIS_KEY_PREFIX: replayed.env.REDIS_KEY_PREFIX,
      MONGODB_URL: replayed.env.MONGODB_URL,
      INSTANCE_ID: 'prod-c',
    });
    try {
      for (const user of [buyer, holder]) {
        const before = await answersOf(sameUserOn(a.client, user), concert.concertId, scheduleId, ids, position);
        const after = await answersOf(sameUserOn(c.client, user), concert.concertId, scheduleId, ids, position);
        expect(after).toEqual(before);
      }
      expect((await c.client.request('GET', '/ready')).status).toBe(200);
    } finally {
      await c.close();
      await replayed.drop();
    }
  });
});
