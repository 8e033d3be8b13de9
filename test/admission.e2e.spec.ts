import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import { expectProblem, makeUsers, pollUntil, quickUsers, removeDataDirs, sleep, tempDataDir } from './support/e2e';

type Status = { status: string; position?: number; etaSeconds: number };

async function statusesOf(users: readonly User[]): Promise<Status[]> {
  const responses = await Promise.all(users.map((u) => u.status()));
  for (const response of responses) expect(response.status).toBe(200);
  return responses.map((r) => r.body as Status);
}

/** Polls every user's status until `done`; asserts at every poll that at most `capacity` are ACTIVE. */
async function pollQueue(users: readonly User[], capacity: number, done: (s: Status[]) => boolean, timeoutMs = 5_000) {
  let maxActive = 0;
  const last = await pollUntil(
    async () => {
      const statuses = await statusesOf(users);
      maxActive = Math.max(maxActive, statuses.filter((s) => s.status === 'ACTIVE').length);
      return statuses;
    },
    done,
    timeoutMs,
    25,
  );
  expect(maxActive).toBeLessThanOrEqual(capacity);
  return last;
}

const summary = (statuses: Status[]) =>
  statuses.map((s) => (s.status === 'WAITING' ? `WAITING#${s.position}` : s.status));

/** Invariant 5: one live token per user per concert, at most QUEUE_ACTIVE_CAPACITY ACTIVE, FIFO admission. */
describe('waiting room admission (Invariant 5)', () => {
  afterAll(() => removeDataDirs());

  describe('capacity 5, long active TTL', () => {
    let running: RunningApp;
    let users: User[];
    let concert: { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };
    const tokens: string[] = [];

    beforeAll(async () => {
      running = await startApp({
        DATA_DIR: tempDataDir(),
        QUEUE_ACTIVE_CAPACITY: '5',
        QUEUE_ACTIVE_TTL_SECONDS: '600',
      });
      users = await makeUsers(running.client, 12, 'a');
      concert = await running.client.createConcert(20);
    });
    afterAll(() => running.close());

    it('admits exactly the first five joiners; the rest wait with positions 1..7 in join order', async () => {
      for (const user of users) {
        const joined = await user.join(concert.concertId);
        expect(joined.status).toBe(201);
        expect(joined.body).toEqual(
          expect.objectContaining({ queueToken: expect.any(String), status: expect.any(String) }),
        );
        expect(['WAITING', 'ACTIVE']).toContain(joined.body.status);
        if (joined.body.status === 'WAITING') expect(joined.body.position).toBeGreaterThanOrEqual(1);
        tokens.push(joined.body.queueToken);
      }
      expect(new Set(tokens).size).toBe(12);

      const statuses = await pollQueue(users, 5, (s) => s.slice(0, 5).every((x) => x.status === 'ACTIVE'));
      expect(summary(statuses)).toEqual([
        ...Array(5).fill('ACTIVE'),
        ...[1, 2, 3, 4, 5, 6, 7].map((p) => `WAITING#${p}`),
      ]);
      for (const waiting of statuses.slice(5)) expect(waiting.etaSeconds).toBeGreaterThan(0);
      // Give the admission process a few more ticks: still nobody beyond capacity.
      await sleep(300);
      expect(summary(await pollQueue(users, 5, () => true))).toEqual(summary(statuses));
    });

    it('keeps one live token per user: joining again answers 200 with the same token and place', async () => {
      for (const i of [1, 8]) {
        const again = await users[i].join(concert.concertId);
        expect(again.status).toBe(200);
        expect(again.body.queueToken).toBe(tokens[i]);
      }
      expect((await users[8].status()).body).toEqual(expect.objectContaining({ status: 'WAITING', position: 4 }));
    });

    it('refuses a token of another user (401), a garbage token (401), and a WAITING token on ACTIVE-only routes (403)', async () => {
      const [, second, third] = users;
      expectProblem(
        await second.call('GET', '/v1/queue/status', undefined, { 'x-queue-token': tokens[2] }),
        401,
        'INVALID_QUEUE_TOKEN',
      );
      expectProblem(
        await third.call('GET', '/v1/queue/status', undefined, { 'x-queue-token': 'garbage' }),
        401,
        'INVALID_QUEUE_TOKEN',
      );
      expectProblem(
        await third.call('GET', '/v1/queue/status', undefined, { 'x-queue-token': '' }),
        401,
        'INVALID_QUEUE_TOKEN',
      );
      // Another user's ACTIVE token does not open ACTIVE-only routes either.
      const borrowed = await users[7].call('GET', `/v1/concerts/${concert.concertId}/schedules`, undefined, {
        'x-queue-token': tokens[0],
      });
      expectProblem(borrowed, 401, 'INVALID_QUEUE_TOKEN');

      const waiting = users[6];
      expectProblem(await waiting.call('GET', `/v1/concerts/${concert.concertId}/schedules`), 403, 'QUEUE_NOT_ACTIVE');
      const { scheduleId, seatIds } = concert.schedules[0];
      expectProblem(await waiting.call('GET', `/v1/schedules/${scheduleId}/seats`), 403, 'QUEUE_NOT_ACTIVE');
      expectProblem(await waiting.hold(scheduleId, [seatIds[0]]), 403, 'QUEUE_NOT_ACTIVE');
      expect((await users[0].call('GET', `/v1/concerts/${concert.concertId}/schedules`)).status).toBe(200);
    });

    it('after an ACTIVE user pays, the sixth joiner is admitted and everyone behind moves up by one', async () => {
      const { scheduleId, seatIds } = concert.schedules[0];
      const payer = users[0];
      const held = await payer.hold(scheduleId, [seatIds[0]]);
      expect(held.status).toBe(201);
      expect((await payer.charge(1000)).status).toBe(200);
      expect((await payer.pay(held.body.reservationId)).status).toBe(201);

      const statuses = await pollQueue(users, 5, (s) => s[5].status === 'ACTIVE', 3_000);
      expect(summary(statuses)).toEqual([
        'DONE',
        ...Array(5).fill('ACTIVE'),
        ...[1, 2, 3, 4, 5, 6].map((p) => `WAITING#${p}`),
      ]);
      await sleep(300);
      expect(summary(await pollQueue(users, 5, () => true))).toEqual(summary(statuses));
      // A DONE token no longer opens ACTIVE-only routes.
      expectProblem(await payer.call('GET', `/v1/concerts/${concert.concertId}/schedules`), 403, 'QUEUE_NOT_ACTIVE');
    });

    it('a user whose entry is DONE gets a new token at the back of the queue', async () => {
      const payer = users[0];
      const rejoined = await payer.join(concert.concertId);
      expect(rejoined.status).toBe(201);
      expect(rejoined.body.queueToken).not.toBe(tokens[0]);
      expect(rejoined.body).toEqual(expect.objectContaining({ status: 'WAITING', position: 7 }));
      expect((await payer.call('GET', '/v1/queue/status', undefined, { 'x-queue-token': tokens[0] })).body.status).toBe(
        'DONE',
      );
    });

    it('concurrent joins by one user create one entry: one 201, the rest 200, all the same token', async () => {
      const other = await running.client.createConcert(1);
      const [user] = users;
      const joins = await Promise.all(
        Array.from({ length: 8 }, () => user.call('POST', `/v1/concerts/${other.concertId}/queue`)),
      );
      expect(joins.map((j) => j.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(joins.map((j) => j.body.queueToken)).size).toBe(1);
    });
  });

  describe('capacity 2, active TTL of one second', () => {
    let running: RunningApp;

    beforeAll(async () => {
      running = await startApp({ DATA_DIR: tempDataDir(), QUEUE_ACTIVE_CAPACITY: '2', QUEUE_ACTIVE_TTL_SECONDS: '1' });
    });
    afterAll(() => running.close());

    it('an ACTIVE token expires after the TTL, its slot admits the next user, and re-joining gives a new token', async () => {
      const concert = await running.client.createConcert(4);
      const users = await quickUsers(running, 3, 't');
      const first: string[] = [];
      for (const user of users) {
        const joined = await user.join(concert.concertId);
        expect(joined.status).toBe(201);
        first.push(joined.body.queueToken);
      }
      const [a] = users;
      // The first two are admitted (and the third is not, while they are ACTIVE)...
      const admitted = await pollQueue(users, 2, (s) => s[0].status === 'ACTIVE' && s[1].status === 'ACTIVE', 3_000);
      expect(summary(admitted)).toEqual(['ACTIVE', 'ACTIVE', 'WAITING#1']);
      // ...then time out (the first admitted first), and the third takes a freed slot.
      const later = await pollQueue(users, 2, (s) => s[2].status === 'ACTIVE', 4_000);
      expect(later[0].status).toBe('EXPIRED');
      expect(['ACTIVE', 'EXPIRED']).toContain(later[1].status);
      expect(later[2].status).toBe('ACTIVE');
      expect(summary(await pollQueue(users, 2, (s) => s[1].status === 'EXPIRED', 3_000)).slice(0, 2)).toEqual([
        'EXPIRED',
        'EXPIRED',
      ]);

      // An EXPIRED token opens nothing.
      expectProblem(await a.call('GET', `/v1/concerts/${concert.concertId}/schedules`), 403, 'QUEUE_NOT_ACTIVE');
      expectProblem(
        await a.hold(concert.schedules[0].scheduleId, [concert.schedules[0].seatIds[0]]),
        403,
        'QUEUE_NOT_ACTIVE',
      );

      // Re-joining replaces the expired entry with a new token; the old one stays EXPIRED.
      const rejoined = await a.join(concert.concertId);
      expect(rejoined.status).toBe(201);
      expect(rejoined.body.queueToken).not.toBe(first[0]);
      expect((await a.call('GET', '/v1/queue/status', undefined, { 'x-queue-token': first[0] })).body.status).toBe(
        'EXPIRED',
      );
      const again = await a.join(concert.concertId);
      expect(again.status).toBe(200);
      expect(again.body.queueToken).toBe(rejoined.body.queueToken);
      // The new entry is admitted in its turn.
      expect((await a.waitForStatus('ACTIVE', 4_000)).body.status).toBe('ACTIVE');
    });
  });
});
