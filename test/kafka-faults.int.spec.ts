import { randomUUID } from 'node:crypto';
import { RunningApp, startApp } from './support/app';
import { Response } from './support/client';
import { makeActive, makeUsers, pollUntil, sleep } from './support/e2e';
import { expectSameAsFreshReplay } from './support/fresh-replay';
import { PrivateService } from './support/private-services';
import { freshProductionEnv } from './support/production';
import { describeWithProductionServicesAndKafka } from './support/services';

type Ready = { projections: { stores: { lag: number }[]; relay?: { publishing: boolean; lag?: number } } };

describeWithProductionServicesAndKafka('the Kafka broker killed while holds are written', () => {
  let kafka: PrivateService;
  let fresh: Awaited<ReturnType<typeof freshProductionEnv>>;
  let app: RunningApp;

  beforeAll(async () => {
    kafka = await PrivateService.start('kafka');
    fresh = await freshProductionEnv();
    app = await startApp({ ...fresh.env, KAFKA_BROKERS: kafka.url, KAFKA_TOPIC: `rt-fault-${randomUUID()}` });
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await fresh?.drop();
    await kafka?.destroy();
  });

  it('loses nothing: after the restart every read model equals a fresh replay from the event store', async () => {
    const concert = await app.client.createConcert(120);
    const { scheduleId, seatIds } = concert.schedules[0];
    const users = await makeUsers(app.client, 6, 'kfault');
    await makeActive(users, concert.concertId);
    let stop = false;
    const written: Response[] = [];
    // Each user holds one seat after another (its own slice of the schedule) while the broker dies;
    // every third hold is cancelled, so seats change hands in both directions.
    const writers = users.map(async (user, u) => {
      await user.charge(1_000_000);
      for (let i = 0; !stop && i < 20; i++) {
        const hold = await user.hold(scheduleId, [seatIds[u * 20 + i]]);
        written.push(hold);
        if (hold.status === 201 && i % 3 === 0) {
          const cancelled = await user.call('DELETE', `/v1/reservations/${hold.body.reservationId}`);
          if (cancelled.status !== 204) written.push(cancelled);
        }
        await sleep(50);
      }
    });
    await sleep(500);
    kafka.kill();
    await sleep(2_000);
    await kafka.command('start');
    stop = true;
    await Promise.all(writers);
    // Commands never needed the broker.
    expect(written.length).toBeGreaterThan(10);
    expect(written.filter((r) => r.status !== 201).map((r) => [r.status, r.body?.code])).toEqual([]);

    const caughtUp = await pollUntil(
      async () => (await app.client.request<Ready>('GET', '/ready')).body,
      (ready) => ready.projections.relay?.lag === 0 && ready.projections.stores.every((s) => s.lag === 0),
      90_000,
      250,
    );
    expect(caughtUp.projections.relay).toMatchObject({ publishing: true, lag: 0 });

    // The broker is the live feed again, not the event-store bridge that covered the outage.
    const fromLog = async () => {
      const metrics = (await app.client.request<string>('GET', '/metrics')).body;
      return [...metrics.matchAll(/^projection_feed_events_total\{projection="[^"]+",feed="log"\} (\d+)$/gm)].map((m) =>
        Number(m[1]),
      );
    };
    const before = await fromLog();
    expect(before).toHaveLength(2);
    const after = await pollUntil(
      async () => {
        await users[0].charge(1); // one event each time
        return fromLog();
      },
      (counts) => counts.every((count, i) => count > before[i]),
      30_000,
      500,
    );
    expect(after.every((count, i) => count > before[i])).toBe(true);

    // Another instance, without Kafka, rebuilds fresh stores straight from the event store.
    const head = (await app.client.request('GET', '/ready')).body.eventStore.head as number;
    await expectSameAsFreshReplay(
      app,
      { ...fresh.env, KAFKA_BROKERS: kafka.url },
      users,
      ['/v1/queue/status', '/v1/wallet', `/v1/schedules/${scheduleId}/seats`],
      head,
    );
  }, 240_000);
});
