import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { Client } from './support/client';
import { makeActive, makeUsers, pollUntil, sameUserOn } from './support/e2e';
import { expectSameAsFreshReplay } from './support/fresh-replay';
import { freshProductionEnv } from './support/production';
import { purchaseFlowCheck } from './support/purchase-flow';
import { describeWithProductionServicesAndKafka } from './support/services';

describeWithProductionServicesAndKafka('production profile fed through Kafka: two instances', () => {
  const brokers = process.env.KAFKA_BROKERS!;
  let fresh: Awaited<ReturnType<typeof freshProductionEnv>>;
  let a: RunningApp;
  let b: RunningApp;
  let client: Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    fresh = await freshProductionEnv();
    env = { ...fresh.env, KAFKA_BROKERS: brokers, KAFKA_TOPIC: `rt-test-${randomUUID()}` };
    a = await startApp({ ...env, INSTANCE_ID: 'kafka-a' });
    b = await startApp({ ...env, INSTANCE_ID: 'kafka-b' });
    client = new Client([a.url, b.url], ADMIN_KEY);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fresh?.drop();
  });

  it('runs the whole purchase flow with requests alternating between the instances', () => purchaseFlowCheck(client));

  it('relays the log (one publisher) and the stores keep up with it', async () => {
    const concert = await client.createConcert(4);
    const [user] = await makeUsers(client, 1, 'kafka');
    await makeActive([user], concert.concertId);
    const hold = await user.hold(concert.schedules[0].scheduleId, concert.schedules[0].seatIds.slice(0, 1));
    expect(hold.status).toBe(201);
    const readies = [await a.client.request('GET', '/ready'), await b.client.request('GET', '/ready')];
    const relays = readies.map((r) => r.body.projections.relay);
    expect(relays.filter((r: { publishing: boolean }) => r.publishing)).toHaveLength(1);
    const head = readies[0].body.eventStore.head as number;
    const seats = await sameUserOn(b.client, user).call(
      'GET',
      `/v1/schedules/${concert.schedules[0].scheduleId}/seats`,
      undefined,
      { 'x-min-position': String(head) },
    );
    expect(seats.status).toBe(200);
    expect(seats.body[0].status).toBe('HELD');
  });

  it('publishes a 20,000-seat concert (one event over 1 MB) and reports the consumer lag of each store', async () => {
    const concert = await client.createConcert(20_000);
    const publisher = (await a.client.request('GET', '/ready')).body.projections.relay.publishing ? a : b;
    type Store = { name: string; lag: number; consumerLag: number | null };
    const ready = await pollUntil(
      async () => (await publisher.client.request('GET', '/ready')).body,
      (body) =>
        body.projections.relay.lag === 0 &&
        body.projections.stores.every((s: Store) => s.lag === 0 && s.consumerLag === 0),
      30_000,
      200,
    );
    expect(ready.projections.relay.lag).toBe(0);
    expect(ready.projections.stores.map((s: Store) => [s.name, s.consumerLag])).toEqual([
      ['redis-queues', 0],
      ['mongo-documents', 0],
    ]);
    const seats = await client.request('GET', '/v1/concerts');
    expect(seats.body).toEqual(expect.arrayContaining([expect.objectContaining({ concertId: concert.concertId })]));
    // The stores are fed by the broker, not (only) by reading the event store.
    const metrics = (await publisher.client.request<string>('GET', '/metrics')).body;
    for (const projection of ['redis-queues', 'mongo-documents']) {
      expect(metrics).toMatch(new RegExp(`^kafka_consumer_lag_messages\\{projection="${projection}"\\} 0$`, 'm'));
      const fromLog = metrics.match(
        new RegExp(`^projection_feed_events_total\\{projection="${projection}",feed="log"\\} (\\d+)$`, 'm'),
      );
      expect(Number(fromLog?.[1] ?? 0)).toBeGreaterThan(0);
    }
  }, 60_000);

  it('ignores what another event log relayed to the same topic', async () => {
    // The topic holds this suite's events, at positions a new database will reuse for other events.
    const filler = await client.createConcert(5);
    await makeActive(await makeUsers(client, 2, 'filler'), filler.concertId);
    const other = await freshProductionEnv();
    const c = await startApp({ ...other.env, KAFKA_BROKERS: brokers, KAFKA_TOPIC: env.KAFKA_TOPIC });
    try {
      const concert = await c.client.createConcert(3);
      const [user] = await makeUsers(c.client, 1, 'other');
      await makeActive([user], concert.concertId);
      const { scheduleId, seatIds } = concert.schedules[0];
      const hold = await user.hold(scheduleId, seatIds.slice(0, 2));
      expect(hold.status).toBe(201);
      const head = (await c.client.request('GET', '/ready')).body.eventStore.head as number;
      await expectSameAsFreshReplay(
        c,
        { ...other.env, KAFKA_BROKERS: brokers, KAFKA_TOPIC: env.KAFKA_TOPIC },
        [user],
        [
          '/v1/queue/status',
          `/v1/schedules/${scheduleId}/seats`,
          `/v1/concerts/${concert.concertId}/schedules`,
          `/v1/reservations/${hold.body.reservationId as string}`,
        ],
        head,
      );
    } finally {
      await c.close();
      await other.drop();
    }
  }, 60_000);
});
