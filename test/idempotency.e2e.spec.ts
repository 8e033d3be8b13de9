import { RunningApp, startApp } from './support/app';
import { Response, User } from './support/client';
import {
  eventStoreOf,
  eventTypes,
  expectProblem,
  freshDataDir,
  makeActive,
  makeUsers,
  positionOf,
  removeDataDirs,
  sameUserOn,
  seatIdsWith,
  seatMap,
} from './support/e2e';

/** Invariant 4: a wallet never goes below zero; a charge or payment retried with the same Idempotency-Key applies once. */
describe('idempotency keys and wallet safety (Invariant 4)', () => {
  let dataDir: string;
  let running: RunningApp;
  let users: User[];
  let concert: { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };

  const walletOf = async (user: User, minPosition = 0) =>
    (await user.call('GET', '/v1/wallet', undefined, { 'x-min-position': String(minPosition) })).body.balance as number;
  const walletEvents = async (user: User) =>
    eventTypes(await eventStoreOf(running).readStream(`Wallet-${user.userId}`));
  /** Status, body and the replayable headers of an answer: what a replay must reproduce. */
  const answer = (r: Response) => ({ status: r.status, body: r.body, position: r.headers.get('x-event-position') });

  beforeAll(async () => {
    dataDir = await freshDataDir();
    running = await startApp({ DATA_DIR: dataDir });
    users = await makeUsers(running.client, 5, 'i');
    concert = await running.client.createConcert(8);
    await makeActive(users, concert.concertId);
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  describe('charges', () => {
    it('the same key and body twice answers the same status and body, and charges once', async () => {
      const [user] = users;
      const first = await user.charge(1000, 'charge-key-1');
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ balance: 1000 });
      const again = await user.charge(1000, 'charge-key-1');
      expect(answer(again)).toEqual(answer(first));
      expect(await walletOf(user, positionOf(first))).toBe(1000);

      // After another charge the replay still answers the first balance: it is a replay, not a re-run.
      const second = await user.charge(500, 'charge-key-2');
      expect(second.body).toEqual({ balance: 1500 });
      const replay = await user.charge(1000, 'charge-key-1');
      expect(answer(replay)).toEqual(answer(first));
      expect(await walletOf(user, positionOf(second))).toBe(1500);
      expect(await walletEvents(user)).toEqual(['WalletCharged', 'WalletCharged']);
    });

    it('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
      const [user] = users;
      expectProblem(await user.charge(2000, 'charge-key-1'), 422, 'IDEMPOTENCY_KEY_REUSED');
      expectProblem(
        await user.call(
          'POST',
          '/v1/wallet/charge',
          { amount: 1000, note: 'x' },
          { 'idempotency-key': 'charge-key-1' },
        ),
        422,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(await walletOf(user)).toBe(1500);
      expect(await walletEvents(user)).toEqual(['WalletCharged', 'WalletCharged']);
    });

    it('a key belongs to its caller: another user with the same key is charged on their own', async () => {
      const [, other] = users;
      const theirs = await other.charge(700, 'charge-key-1');
      expect(theirs.status).toBe(200);
      expect(theirs.body).toEqual({ balance: 700 });
      expect(await walletOf(other, positionOf(theirs))).toBe(700);
      expect(await walletOf(users[0])).toBe(1500);
    });

    it('five concurrent copies of one charge apply once; each answer is the same 200 or 409 IDEMPOTENCY_KEY_IN_PROGRESS', async () => {
      const user = users[2];
      const answers = await Promise.all(Array.from({ length: 5 }, () => user.charge(300, 'charge-key-concurrent')));
      const ok = answers.filter((a) => a.status === 200);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      for (const a of ok) expect(a.body).toEqual({ balance: 300 });
      for (const a of answers.filter((x) => x.status !== 200)) expectProblem(a, 409, 'IDEMPOTENCY_KEY_IN_PROGRESS');
      const settled = await user.charge(300, 'charge-key-concurrent');
      expect(answer(settled)).toEqual(answer(ok[0]));
      expect(await walletOf(user, positionOf(settled))).toBe(300);
      expect(await walletEvents(user)).toEqual(['WalletCharged']);
    });

    it('keeps the balance exact over many charges (a wallet with more than ten events)', async () => {
      const user = users[3];
      for (let i = 1; i <= 12; i++) {
        const charged = await user.charge(100);
        expect({ charge: i, status: charged.status, body: charged.body }).toEqual({
          charge: i,
          status: 200,
          body: { balance: 100 * i },
        });
      }
      expect(await walletOf(user, await eventStoreOf(running).headPosition())).toBe(1200);
    });
  });

  describe('payments', () => {
    let sequential: { reservationId: string; first: Response };

    it('a payment retried with the same key answers the identical 201 and debits once', async () => {
      const [user] = users;
      const { scheduleId, seatIds } = concert.schedules[0];
      expect((await user.charge(5000, 'top-up')).body).toEqual({ balance: 6500 });
      const held = await user.hold(scheduleId, seatIds.slice(0, 2));
      expect(held.status).toBe(201);
      const { reservationId } = held.body;

      const first = await user.pay(reservationId, 'pay-key-1');
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ paymentId: expect.any(String), reservationId, amount: 2000, balance: 4500 });
      const again = await user.pay(reservationId, 'pay-key-1');
      expect(answer(again)).toEqual(answer(first));
      expect(await walletOf(user, positionOf(first))).toBe(4500);
      expect((await walletEvents(user)).filter((t) => t === 'WalletDebited')).toHaveLength(1);
      // A different key is a different payment attempt: refused, not applied.
      expectProblem(await user.pay(reservationId, 'pay-key-2'), 409, 'ALREADY_PAID');
      expectProblem(await user.pay(reservationId), 409, 'ALREADY_PAID');
      expect(await walletOf(user)).toBe(4500);
      sequential = { reservationId, first };
    });

    it('five concurrent copies of a payment with one key debit once; each answer is the identical 201 or 409 IDEMPOTENCY_KEY_IN_PROGRESS', async () => {
      const user = users[1];
      const { scheduleId, seatIds } = concert.schedules[0];
      expect((await user.charge(1000)).body).toEqual({ balance: 1700 });
      const held = await user.hold(scheduleId, [seatIds[2]]);
      expect(held.status).toBe(201);
      const { reservationId } = held.body;

      const answers = await Promise.all(Array.from({ length: 5 }, () => user.pay(reservationId, 'pay-key-concurrent')));
      const created = answers.filter((a) => a.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const a of created) expect(answer(a)).toEqual(answer(created[0]));
      expect(created[0].body).toEqual({ paymentId: expect.any(String), reservationId, amount: 1000, balance: 700 });
      for (const a of answers.filter((x) => x.status !== 201)) expectProblem(a, 409, 'IDEMPOTENCY_KEY_IN_PROGRESS');
      expect(answer(await user.pay(reservationId, 'pay-key-concurrent'))).toEqual(answer(created[0]));
      expect((await walletEvents(user)).filter((t) => t === 'WalletDebited')).toHaveLength(1);
      const seats = await seatMap(users[4], scheduleId, positionOf(created[0]));
      expect(seatIdsWith(seats, 'SOLD')).toEqual([...seatIds.slice(0, 3)].sort());
    });

    it('a hold retried with the same key is the same reservation', async () => {
      const user = users[2];
      const { scheduleId, seatIds } = concert.schedules[0];
      const first = await user.hold(scheduleId, [seatIds[3]]);
      const again = await user.call('POST', '/v1/reservations', { scheduleId, seatIds: [seatIds[3]] }, {});
      expect(first.status).toBe(201);
      // (Without a key a second hold of the same seat is simply refused.)
      expectProblem(again, 409, 'SEAT_UNAVAILABLE');
      const keyed = await user.call(
        'POST',
        '/v1/reservations',
        { scheduleId, seatIds: [seatIds[4]] },
        { 'idempotency-key': 'hold-key-1' },
      );
      const keyedAgain = await user.call(
        'POST',
        '/v1/reservations',
        { scheduleId, seatIds: [seatIds[4]] },
        { 'idempotency-key': 'hold-key-1' },
      );
      expect(keyed.status).toBe(201);
      expect(answer(keyedAgain)).toEqual(answer(keyed));
      const requested = (await eventStoreOf(running).readAll(0, 100_000)).filter(
        (e) => e.type === 'ReservationRequested' && (e.data as { seatIds: string[] }).seatIds.includes(seatIds[4]),
      );
      expect(requested).toHaveLength(1);
      expect(seatIdsWith(await seatMap(users[4], scheduleId, positionOf(keyed)), 'HELD')).toEqual(
        [seatIds[3], seatIds[4]].sort(),
      );
    });

    it('a wallet never goes below zero: concurrent payments worth more than the balance, exactly what fits succeeds', async () => {
      const user = users[4];
      // One concert per payment, so that each has its own ACTIVE queue token (paying turns a token DONE).
      const concerts = await Promise.all([1, 2, 3, 4].map(() => running.client.createConcert(2)));
      const tokens: string[] = [];
      for (const c of concerts) {
        await user.joinAndWaitActive(c.concertId);
        tokens.push(user.queueToken);
      }
      const holds = await Promise.all(
        concerts.map((c, i) =>
          user.call(
            'POST',
            '/v1/reservations',
            { scheduleId: c.schedules[0].scheduleId, seatIds: c.schedules[0].seatIds },
            { 'x-queue-token': tokens[i] },
          ),
        ),
      );
      for (const h of holds) expect(h.status).toBe(201);
      expect((await user.charge(5000)).body).toEqual({ balance: 5000 });

      const payments = await Promise.all(
        holds.map((h, i) =>
          user.call('POST', '/v1/payments', { reservationId: h.body.reservationId }, { 'x-queue-token': tokens[i] }),
        ),
      );
      const paid = payments.filter((p) => p.status === 201);
      const refused = payments.filter((p) => p.status !== 201);
      expect(paid).toHaveLength(2);
      for (const p of refused) expectProblem(p, 402, 'INSUFFICIENT_BALANCE');
      expect(paid.map((p) => p.body.balance).sort()).toEqual([1000, 3000]);

      const head = await eventStoreOf(running).headPosition();
      expect(await walletOf(user, head)).toBe(1000);
      expect((await walletEvents(user)).filter((t) => t === 'WalletDebited')).toHaveLength(2);
      for (const [i, p] of payments.entries()) {
        const view = await user.call('GET', `/v1/reservations/${holds[i].body.reservationId}`, undefined, {
          'x-min-position': String(head),
        });
        expect(view.body.status).toBe(p.status === 201 ? 'PAID' : 'HELD');
      }
    });

    it('replays survive a restart on the same DATA_DIR', async () => {
      const [u0, u1] = users;
      await running.close();
      running = await startApp({ DATA_DIR: dataDir });
      const user = sameUserOn(running.client, u0);
      const other = sameUserOn(running.client, u1);

      expect(answer(await user.pay(sequential.reservationId, 'pay-key-1'))).toEqual(answer(sequential.first));
      expect(answer(await user.charge(1000, 'charge-key-1'))).toEqual({
        status: 200,
        body: { balance: 1000 },
        position: expect.any(String),
      });
      expectProblem(await user.charge(3000, 'charge-key-1'), 422, 'IDEMPOTENCY_KEY_REUSED');
      expect((await other.charge(700, 'charge-key-1')).body).toEqual({ balance: 700 });
      expect(await walletOf(user)).toBe(4500);
      expect((await walletEvents(user)).filter((t) => t === 'WalletDebited')).toHaveLength(1);
    });
  });
});
