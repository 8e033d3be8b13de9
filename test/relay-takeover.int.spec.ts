import { randomUUID } from 'node:crypto';
import { fromMessage, LOG_ID_HEADER, LogMessage } from '../src/messaging/event-log-topic';
import { KafkaMessageLog } from '../src/messaging/kafka.message-log';
import { LogConsumer } from '../src/messaging/message-log.port';
import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { Client, Response } from './support/client';
import { makeActive, makeUsers, pollUntil, sleep } from './support/e2e';
import { expectSameAsFreshReplay } from './support/fresh-replay';
import { freshProductionEnv } from './support/production';
import { ServiceProcess, startServiceProcess } from './support/service-process';
import { describeWithProductionServicesAndKafka } from './support/services';

type Ready = {
  eventStore: { head: number };
  projections: { relay?: { publishing: boolean; lag?: number }; stores: { lag: number }[] };
};

describeWithProductionServicesAndKafka("the relay's instance killed while holds are written", () => {
  const brokers = process.env.KAFKA_BROKERS!;
  let fresh: Awaited<ReturnType<typeof freshProductionEnv>>;
  let env: Record<string, string>;
  let publisher: ServiceProcess;
  let survivor: RunningApp;
  let log: KafkaMessageLog;
  let tap: LogConsumer | undefined;
  const topic: LogMessage[] = [];

  beforeAll(async () => {
    fresh = await freshProductionEnv();
    env = {
      ...fresh.env,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC: `rt-takeover-${randomUUID()}`,
      ADMIN_KEY,
      JWT_SECRET: 'test-jwt-secret-0123456789abcdef',
    };
    // Started first, so it takes the relay lease; the in-process instance is the one that must take over.
    publisher = await startServiceProcess({ ...env, INSTANCE_ID: 'relay-victim' });
    survivor = await startApp({ ...env, INSTANCE_ID: 'relay-survivor' });
    log = new KafkaMessageLog(brokers.split(','), 'takeover-test', env.KAFKA_TOPIC);
    tap = await log.consume(`takeover-tap-${randomUUID()}`, async (messages) => {
      topic.push(...messages);
    });
  }, 120_000);
  afterAll(async () => {
    await publisher?.kill();
    await tap?.stop();
    await log?.close();
    await survivor?.close();
    await fresh?.drop();
  });

  it('another instance takes over; every event reaches the topic, each stream in order', async () => {
    const victim = new Client(publisher.url, ADMIN_KEY);
    expect((await victim.request<Ready>('GET', '/ready')).body.projections.relay?.publishing).toBe(true);
    expect((await survivor.client.request<Ready>('GET', '/ready')).body.projections.relay?.publishing).toBe(false);

    const concert = await survivor.client.createConcert(240);
    const { scheduleId, seatIds } = concert.schedules[0];
    const users = await makeUsers(survivor.client, 8, 'takeover');
    await makeActive(users, concert.concertId);
    let stop = false;
    const written: Response[] = [];
    // Each user holds seats of its own slice, cancelling every other hold, before and after the kill.
    const writers = users.map(async (user, u) => {
      for (let i = 0; !stop && i < 30; i++) {
        const hold = await user.hold(scheduleId, [seatIds[u * 30 + i]]);
        written.push(hold);
        if (hold.status === 201 && i % 2 === 0) {
          written.push(await user.call('DELETE', `/v1/reservations/${hold.body.reservationId}`));
        }
        await sleep(40);
      }
    });
    await sleep(700);
    await publisher.kill();
    const killedAt = Date.now();
    const tookOver = await pollUntil(
      async () => (await survivor.client.request<Ready>('GET', '/ready')).body.projections.relay?.publishing,
      (publishing) => publishing === true,
      20_000,
      100,
    );
    const takeoverMs = Date.now() - killedAt;
    await sleep(1_000);
    stop = true;
    await Promise.all(writers);
    expect(tookOver).toBe(true);
    expect(written.filter((r) => r.status !== 201 && r.status !== 204).map((r) => [r.status, r.body])).toEqual([]);

    const ready = await pollUntil(
      async () => (await survivor.client.request<Ready>('GET', '/ready')).body,
      (body) => body.projections.relay?.lag === 0 && body.projections.stores.every((s) => s.lag === 0),
      30_000,
      200,
    );
    const head = ready.eventStore.head;
    await pollUntil(
      async () => topic.length,
      () => new Set(topic.map((m) => m.headers['global-position'])).size >= head,
      20_000,
    );

    // Nothing lost: every position of the log reached the topic, all from this log.
    expect(new Set(topic.map((m) => m.headers[LOG_ID_HEADER])).size).toBe(1);
    const events = topic.map(fromMessage);
    expect([...new Set(events.map((e) => e.position))].sort((x, y) => x - y)).toEqual(
      Array.from({ length: head }, (_, i) => i + 1),
    );
    // Nothing reordered: the successor republishes from the last acknowledged checkpoint, so the topic is the
    // log in order, possibly with a repeated stretch; per stream, first appearances are revisions 0, 1, 2, ...
    const seen = new Set<number>();
    const firsts = events.filter((e) => !seen.has(e.position) && seen.add(e.position));
    expect(firsts.map((e) => e.position)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    const revisions = new Map<string, number[]>();
    for (const e of firsts) revisions.set(e.streamId, [...(revisions.get(e.streamId) ?? []), e.revision]);
    for (const [, list] of revisions) expect(list).toEqual(list.map((_, i) => i));
    // The topic never runs ahead of the log: each message is at most one past everything before it.
    let furthest = 0;
    const jumps: number[] = [];
    for (const e of events) {
      if (e.position > furthest + 1) jumps.push(e.position);
      furthest = Math.max(furthest, e.position);
    }
    expect(jumps).toEqual([]);
    process.stderr.write(
      `[relay takeover] new publisher after ${takeoverMs} ms; ${topic.length} messages for ${head} events\n`,
    );

    await expectSameAsFreshReplay(
      survivor,
      env,
      users,
      ['/v1/queue/status', `/v1/schedules/${scheduleId}/seats`, `/v1/concerts/${concert.concertId}/schedules`],
      head,
    );
  }, 180_000);
});
