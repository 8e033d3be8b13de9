import { isDeepStrictEqual } from 'node:util';
import { READ_MODELS, ReadModels } from '../src/read/read-models';
import { RunningApp, startApp } from './support/app';
import { Client, User } from './support/client';
import { allEvents, eventStoreOf, freshDataDir, makeUsers, pollUntil, removeDataDirs, sameUserOn } from './support/e2e';

/**
 * Invariants 7 and 8: projections are idempotent and checkpointed, and read
 * models are disposable. Build varied state, record every query answer, then
 * (a) deliver the whole log to the projections a second time and (b) restart
 * on the same DATA_DIR so the read models are rebuilt from the log: every
 * answer must be identical.
 */
describe('read models survive replays and restarts (Invariants 7 and 8)', () => {
  let dataDir: string;
  let running: RunningApp;
  let users: User[];
  let concertA: { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };
  let concertB: { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };
  const reservations: { owner: number; reservationId: string }[] = [];
  let head: number;
  let u1TokenB: string;
  let before: Record<string, { status: number; body: unknown }>;

  /** Every query of the contract, as each user sees it, once the read models have applied `minPosition`. */
  async function snapshot(client: Client, minPosition: number) {
    const as = users.map((u) => sameUserOn(client, u));
    // An ACTIVE reader per concert: u2 in concert A, u1 (with its concert-B token) in concert B.
    const readers = new Map([
      [concertA.concertId, { user: as[2], token: users[2].queueToken }],
      [concertB.concertId, { user: as[1], token: u1TokenB }],
    ]);
    const min = { 'x-min-position': String(minPosition) };
    const answers: Record<string, { status: number; body: unknown }> = {};
    const record = async (key: string, user: User | undefined, path: string, token?: string) => {
      const headers = token ? { ...min, 'x-queue-token': token } : min;
      const response = user
        ? await user.call('GET', path, undefined, headers)
        : await client.request('GET', path, { headers: min });
      answers[key] = { status: response.status, body: response.body };
    };
    await record('concerts', undefined, '/v1/concerts');
    for (const concert of [concertA, concertB]) {
      const { user, token } = readers.get(concert.concertId)!;
      await record(`schedules of ${concert.concertId}`, user, `/v1/concerts/${concert.concertId}/schedules`, token);
      for (const { scheduleId } of concert.schedules) {
        await record(`seats of ${scheduleId}`, user, `/v1/schedules/${scheduleId}/seats`, token);
      }
    }
    for (const [i, user] of as.entries()) {
      await record(`wallet of user ${i}`, user, '/v1/wallet');
      await record(`queue status of user ${i}`, user, '/v1/queue/status');
    }
    for (const { owner, reservationId } of reservations) {
      await record(`reservation ${reservationId} (owner)`, as[owner], `/v1/reservations/${reservationId}`);
      await record(
        `reservation ${reservationId} (someone else)`,
        as[(owner + 1) % as.length],
        `/v1/reservations/${reservationId}`,
      );
    }
    return answers;
  }

  beforeAll(async () => {
    dataDir = await freshDataDir();
    running = await startApp({ DATA_DIR: dataDir, QUEUE_ACTIVE_CAPACITY: '3' });
    const { client } = running;
    concertA = await client.createConcert(6, 2, 1000);
    concertB = await client.createConcert(3, 1, 2500);
    users = await makeUsers(client, 5, 'r');
    const [u0, u1, u2, u3, u4] = users;

    // Five join concert A in order; capacity 3 leaves two WAITING.
    for (const user of users) expect((await user.join(concertA.concertId)).status).toBe(201);
    for (const user of [u0, u1, u2]) expect((await user.waitForStatus('ACTIVE')).body.status).toBe('ACTIVE');
    const [s1, s2] = concertA.schedules;

    // u0 holds, charges and pays: seats SOLD, token DONE, a slot frees for u3.
    const paid = await u0.hold(s1.scheduleId, s1.seatIds.slice(0, 2));
    reservations.push({ owner: 0, reservationId: paid.body.reservationId });
    await u0.charge(5000, 'restart-charge');
    expect((await u0.pay(paid.body.reservationId)).status).toBe(201);

    // u1 is also ACTIVE in concert B (and reads it); in A it holds a seat (HELD) and cancels another hold (CANCELLED).
    const u1TokenA = u1.queueToken;
    await u1.joinAndWaitActive(concertB.concertId);
    u1TokenB = u1.queueToken;
    u1.queueToken = u1TokenA;
    const held = await u1.hold(s2.scheduleId, [s2.seatIds[0]]);
    reservations.push({ owner: 1, reservationId: held.body.reservationId });
    const cancelled = await u1.hold(s2.scheduleId, [s2.seatIds[1], s2.seatIds[2]]);
    reservations.push({ owner: 1, reservationId: cancelled.body.reservationId });
    expect((await u1.call('DELETE', `/v1/reservations/${cancelled.body.reservationId}`)).status).toBe(204);

    // u2 holds, fails to pay (402: PaymentStarted then PaymentFailed), and tops up many times.
    const unpaid = await u2.hold(s1.scheduleId, [s1.seatIds[3]]);
    reservations.push({ owner: 2, reservationId: unpaid.body.reservationId });
    expect((await u2.pay(unpaid.body.reservationId)).status).toBe(402);
    for (let i = 0; i < 12; i++) expect((await u2.charge(10 + i)).status).toBe(200);

    // u3 is admitted in u0's place and takes seats in concert B too.
    expect((await u3.waitForStatus('ACTIVE')).body.status).toBe('ACTIVE');
    const tokenA = u3.queueToken;
    await u3.joinAndWaitActive(concertB.concertId);
    const inB = await u3.hold(concertB.schedules[0].scheduleId, concertB.schedules[0].seatIds.slice(0, 2));
    reservations.push({ owner: 3, reservationId: inB.body.reservationId });
    await u3.charge(5000);
    expect((await u3.pay(inB.body.reservationId)).status).toBe(201);
    u3.queueToken = tokenA;
    // A refused hold leaves no reservation behind (and writes compensation events).
    expect((await u3.hold(s1.scheduleId, [s1.seatIds[0], s1.seatIds[5]])).status).toBe(409);
    expect(u4.queueToken).not.toBe('');

    for (const r of reservations) expect(r.reservationId).toEqual(expect.any(String));
    // Let the background processes finish whatever they react to, then fix the head.
    const store = eventStoreOf(running);
    let last = -1;
    head = await pollUntil(
      async () => {
        const previous = last;
        last = await store.headPosition();
        return previous === last ? last : -1;
      },
      (h) => h >= 0,
      5_000,
      300,
    );
    expect(head).toBeGreaterThan(50);
    before = await snapshot(running.client, head);
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  it('recorded a meaningful state', () => {
    const keys = Object.keys(before);
    expect(keys.length).toBeGreaterThan(20);
    for (const key of keys.filter((k) => k.startsWith('schedules') || k.startsWith('seats')))
      expect(before[key].status).toBe(200);
    const statuses = reservations.map(
      (r) => (before[`reservation ${r.reservationId} (owner)`].body as { status: string }).status,
    );
    expect(statuses).toEqual(['PAID', 'HELD', 'CANCELLED', 'HELD', 'PAID']);
    const queue = users.map((_, i) => (before[`queue status of user ${i}`].body as { status: string }).status);
    expect(queue).toEqual(['DONE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'WAITING']);
    expect(before['wallet of user 2'].body).toEqual({ balance: 10 * 12 + 66 });
    for (const r of reservations) expect(before[`reservation ${r.reservationId} (someone else)`].status).toBe(404);
  });

  it('delivering the whole log to the projections again changes no answer (Invariant 7)', async () => {
    const readModels = running.app.get<ReadModels>(READ_MODELS);
    const events = await allEvents(running);
    expect(events.map((e) => e.position)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    readModels.runner.applyBatch(events);
    readModels.runner.applyBatch(events.slice(Math.floor(events.length / 2)));
    expect(readModels.position).toBe(head);
    const again = await snapshot(running.client, head);
    expect(Object.keys(before).filter((key) => !isDeepStrictEqual(again[key], before[key]))).toEqual([]);
    expect(again).toEqual(before);
  });

  it('a restart on the same DATA_DIR rebuilds every read model to the same answers (Invariant 8)', async () => {
    await running.close();
    running = await startApp({ DATA_DIR: dataDir, QUEUE_ACTIVE_CAPACITY: '3' });
    const after = await snapshot(running.client, head);
    const differing = Object.keys(before).filter((key) => !isDeepStrictEqual(after[key], before[key]));
    expect(differing).toEqual([]);
    expect(after).toEqual(before);
    // Rebuilding wrote nothing.
    expect(await eventStoreOf(running).headPosition()).toBe(head);
  });

  it('after the restart the write side decides on the same state: balances and seats carry on', async () => {
    const [, u1, u2] = users.map((u) => sameUserOn(running.client, u));
    const charged = await u2.charge(1);
    expect(charged.status).toBe(200);
    expect(charged.body).toEqual({ balance: 10 * 12 + 66 + 1 });
    const [, s2] = concertA.schedules;
    // u1's seat is still held by u1; the cancelled seats are free again.
    const taken = await u2.hold(s2.scheduleId, [s2.seatIds[0]]);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('SEAT_UNAVAILABLE');
    expect((await u2.hold(s2.scheduleId, [s2.seatIds[1], s2.seatIds[2]])).status).toBe(201);
    expect((await u1.call('GET', `/v1/reservations/${reservations[1].reservationId}`)).body.status).toBe('HELD');
  });
});
