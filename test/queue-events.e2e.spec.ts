import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import { expectProblem, pollUntil, quickUsers, removeDataDirs, tempDataDir } from './support/e2e';
import { EventStreamReader } from './support/event-stream';

const openMetric = async (running: RunningApp) => {
  const metrics = (await running.client.request<string>('GET', '/metrics')).body;
  return Number(/^queue_event_streams_open (\d+)$/m.exec(metrics)?.[1]);
};

async function open(running: RunningApp, user: User, lastEventId?: string): Promise<EventStreamReader> {
  const opened = await EventStreamReader.open(running.url, EventStreamReader.headersOf(user, lastEventId));
  expect(opened.status).toBe(200);
  return opened.stream!;
}

/** Pushed queue status (GET /v1/queue/events) on one embedded instance, capacity one. */
describe('queue status event stream', () => {
  let running: RunningApp;
  let first: User;
  let second: User;
  let third: User;
  let concert: { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };
  const streams: EventStreamReader[] = [];

  beforeAll(async () => {
    running = await startApp({ DATA_DIR: tempDataDir(), QUEUE_ACTIVE_CAPACITY: '1', QUEUE_ACTIVE_TTL_SECONDS: '600' });
    [first, second, third] = await quickUsers(running, 3, 'sse');
    concert = await running.client.createConcert(5);
    await first.joinAndWaitActive(concert.concertId);
    expect((await second.join(concert.concertId)).status).toBe(201);
    expect((await third.join(concert.concertId)).status).toBe(201);
    expect((await third.waitForStatus('WAITING')).body).toEqual(expect.objectContaining({ position: 2 }));
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await running.close();
    removeDataDirs();
  });

  it('refuses a request without an access token (401) or with a bad queue token (401), as status does', async () => {
    const anonymous = await EventStreamReader.open(running.url, { 'x-queue-token': second.queueToken });
    expectProblem({ ...anonymous, body: anonymous.body }, 401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const forged = await EventStreamReader.open(running.url, {
      authorization: `Bearer ${second.accessToken}`,
      'x-queue-token': 'garbage',
    });
    expectProblem({ ...forged, body: forged.body }, 401, 'INVALID_QUEUE_TOKEN');
    const borrowed = await EventStreamReader.open(running.url, {
      authorization: `Bearer ${second.accessToken}`,
      'x-queue-token': third.queueToken,
    });
    expectProblem({ ...borrowed, body: borrowed.body }, 401, 'INVALID_QUEUE_TOKEN');
  });

  let waitingId: string;
  let activeId: string;

  it('opens with the status as GET /v1/queue/status answers it, then pushes the admission', async () => {
    const secondStream = await open(running, second);
    const thirdStream = await open(running, third);
    streams.push(secondStream, thirdStream);
    const headers = secondStream.response.headers;
    expect(headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('content-security-policy')).toContain("default-src 'none'");

    const opening = await secondStream.next();
    expect(opening!.data).toEqual((await second.status()).body);
    expect(opening!.data).toEqual(expect.objectContaining({ status: 'WAITING', position: 1 }));
    expect((await thirdStream.next())!.data).toEqual(expect.objectContaining({ status: 'WAITING', position: 2 }));
    waitingId = opening!.id!;
    expect(waitingId).toMatch(/^\d+\.[\w-]{12}$/);
    expect(
      await pollUntil(
        () => openMetric(running),
        (open) => open === 2,
      ),
    ).toBe(2);

    // The ACTIVE user buys: its slot frees and the admission leader admits the next in line.
    const { scheduleId, seatIds } = concert.schedules[0];
    const held = await first.hold(scheduleId, [seatIds[0]]);
    expect(held.status).toBe(201);
    expect((await first.charge(1000)).status).toBe(200);
    expect((await first.pay(held.body.reservationId)).status).toBe(201);

    const admitted = await secondStream.until((event) => event.data.status !== 'WAITING');
    expect(admitted!.data).toEqual({ status: 'ACTIVE', etaSeconds: 0 });
    activeId = admitted!.id!;
    expect(Number(activeId.split('.')[0])).toBeGreaterThan(Number(waitingId.split('.')[0]));
    const movedUp = await thirdStream.until((event) => event.data.position !== 2);
    expect(movedUp!.data).toEqual(expect.objectContaining({ status: 'WAITING', position: 1 }));
    // Polling answers the same.
    expect((await second.status()).body).toEqual(admitted!.data);
    expect((await third.status()).body).toEqual(movedUp!.data);
  });

  it('resumes from Last-Event-ID: sends the current status at once when it changed since, not when it did not', async () => {
    const behind = await open(running, second, waitingId);
    streams.push(behind);
    expect((await behind.next())!.data).toEqual({ status: 'ACTIVE', etaSeconds: 0 });

    const current = await open(running, second, activeId);
    streams.push(current);
    // The client has ACTIVE already: the first event it gets is the next change, the purchase that ends its turn.
    const { scheduleId, seatIds } = concert.schedules[0];
    const held = await second.hold(scheduleId, [seatIds[1]]);
    expect(held.status).toBe(201);
    expect((await second.charge(1000)).status).toBe(200);
    expect((await second.pay(held.body.reservationId)).status).toBe(201);
    expect((await current.next())!.data).toEqual({ status: 'DONE', etaSeconds: 0 });
  });

  it('counts open streams in /metrics and stops counting those the client closed', async () => {
    const before = await openMetric(running);
    expect(before).toBe(streams.length);
    for (const stream of streams.splice(0)) stream.close();
    expect(
      await pollUntil(
        () => openMetric(running),
        (open) => open === 0,
      ),
    ).toBe(0);
  });

  it('ends the open streams when the app shuts down', async () => {
    const stream = await open(running, third);
    expect((await stream.next())!.data.status).toBe('ACTIVE');
    const closing = running.close();
    expect(await stream.until(() => false)).toBeUndefined();
    await closing;
    running.close = async () => undefined;
  });
});
