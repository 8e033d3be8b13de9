import { RecordedEvent } from '../src/event-store/event-store.port';
import { RunningApp, startApp } from './support/app';
import { Response, User } from './support/client';
import {
  allEvents,
  eventStoreOf,
  expectProblem,
  makeActive,
  maxPosition,
  pick,
  pollUntil,
  prng,
  quickUsers,
  removeDataDirs,
  seatIdsWith,
  seatMap,
  tempDataDir,
} from './support/e2e';

/**
 * Invariants 1 and 2 under real concurrency: many admitted users fire
 * overlapping multi-seat holds at a handful of seats at once, then race to pay.
 */
describe('concurrent holds and payments (Invariants 1 and 2)', () => {
  let running: RunningApp;
  let users: User[];

  beforeAll(async () => {
    running = await startApp({ DATA_DIR: tempDataDir(), QUEUE_ACTIVE_CAPACITY: '100' });
    users = await quickUsers(running, 64, 'c');
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  type Attempt = { user: User; seatIds: string[]; response: Response };

  /** Fires every request at once; returns each with who asked for what. */
  async function fireHolds(scheduleId: string, requests: { user: User; seatIds: string[] }[]): Promise<Attempt[]> {
    const responses = await Promise.all(requests.map(({ user, seatIds }) => user.hold(scheduleId, seatIds)));
    return requests.map((request, i) => ({ ...request, response: responses[i] }));
  }

  const describeAnswer = ({ seatIds, response }: Attempt) =>
    `${response.status} ${response.body?.code ?? ''} asked=${seatIds.map((id) => id.slice(-2)).join(',')} ${response.body?.detail ?? ''}`;

  /** Every answer is a full 201 for exactly the seats asked, or 409 SEAT_UNAVAILABLE naming some of them. */
  function expectOnlyHeldOrRefused(attempts: Attempt[], scheduleId: string) {
    const offContract = attempts
      .filter(({ response }) => response.status !== 201 && response.body?.code !== 'SEAT_UNAVAILABLE')
      .map(describeAnswer);
    expect({ offContract: offContract.length, examples: offContract.slice(0, 3) }).toEqual({
      offContract: 0,
      examples: [],
    });
    for (const { seatIds, response } of attempts) {
      if (response.status === 201) {
        expect(response.body).toEqual({
          reservationId: expect.any(String),
          scheduleId,
          seatIds,
          amount: 1000 * seatIds.length,
          expiresAt: expect.any(String),
        });
        continue;
      }
      expectProblem(response, 409, 'SEAT_UNAVAILABLE');
      expect(Array.isArray(response.body.seatIds)).toBe(true);
      expect(response.body.seatIds.length).toBeGreaterThan(0);
      for (const seatId of response.body.seatIds) expect(seatIds).toContain(seatId);
    }
  }

  /** No seat in two successful holds; returns seat -> reservation. */
  function expectDisjoint(winners: Attempt[]): Map<string, string> {
    const owner = new Map<string, string>();
    for (const { seatIds, response } of winners) {
      for (const seatId of seatIds) {
        expect({ seatId, alreadyHeldBy: owner.get(seatId) }).toEqual({ seatId, alreadyHeldBy: undefined });
        owner.set(seatId, response.body.reservationId);
      }
    }
    return owner;
  }

  /**
   * Replays each seat's own stream: a SeatHeld while another reservation's hold
   * is still live, or a second SeatSold, would be a double hold or double sale.
   */
  async function expectSeatStreamsNeverDoubleBooked(seatIds: readonly string[]) {
    const store = eventStoreOf(running);
    for (const seatId of seatIds) {
      const events: RecordedEvent[] = await store.readStream(`Seat-${seatId}`);
      let hold: { reservationId: string; expiresAt: number } | undefined;
      let soldTo: string | undefined;
      for (const event of events) {
        const data = event.data as { reservationId: string; expiresAt?: string };
        const at = event.recordedAt.getTime();
        if (event.type === 'SeatHeld') {
          const blockedBy = soldTo ?? (hold && hold.expiresAt > at ? hold.reservationId : undefined);
          expect({ seatId, position: event.position, blockedBy }).toEqual({
            seatId,
            position: event.position,
            blockedBy: undefined,
          });
          hold = { reservationId: data.reservationId, expiresAt: Date.parse(data.expiresAt!) };
        } else if (event.type === 'SeatReleased') {
          if (hold?.reservationId === data.reservationId) hold = undefined;
        } else if (event.type === 'SeatSold') {
          expect({ seatId, soldBefore: soldTo }).toEqual({ seatId, soldBefore: undefined });
          expect(hold?.reservationId).toBe(data.reservationId);
          soldTo = data.reservationId;
        }
      }
    }
  }

  /** Reservations of this schedule whose hold process has not reached an outcome (held or rejected) yet. */
  async function unsettledHolds(scheduleId: string): Promise<string[]> {
    const phase = new Map<string, string>();
    for (const event of await allEvents(running)) {
      const data = event.data as { reservationId?: string; scheduleId?: string };
      if (event.type === 'ReservationRequested' && data.scheduleId === scheduleId)
        phase.set(data.reservationId!, 'pending');
      else if (data.reservationId && phase.has(data.reservationId) && event.type !== 'ReservationRequested')
        phase.set(data.reservationId, event.type);
    }
    return [...phase].filter(([, p]) => p === 'pending').map(([id]) => id);
  }

  describe('256 concurrent overlapping 1-4-seat holds on 6 seats from 63 ACTIVE users', () => {
    let concert: { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };
    let scheduleId: string;
    let seatIds: string[];
    let attempts: Attempt[];
    let winners: Attempt[];
    let reader: User;

    beforeAll(async () => {
      concert = await running.client.createConcert(6);
      ({ scheduleId, seatIds } = concert.schedules[0]);
      await makeActive(users, concert.concertId);
      // The last user only reads, so its token stays ACTIVE whatever the others do.
      reader = users[users.length - 1];
      const random = prng(20270101);
      const requests = Array.from({ length: 256 }, (_, i) => ({
        user: users[i % (users.length - 1)],
        seatIds: pick(seatIds, 1 + Math.floor(random() * 4), random),
      }));
      attempts = await fireHolds(scheduleId, requests);
      winners = attempts.filter((a) => a.response.status === 201);
    });

    it('answers every request with 201 or 409 SEAT_UNAVAILABLE (listing requested seat ids)', () => {
      expectOnlyHeldOrRefused(attempts, scheduleId);
    });

    it('gives no seat to two successful holds, and the seat map shows HELD exactly their union (all-or-nothing)', async () => {
      expect(winners.length).toBeGreaterThan(0);
      expect(winners.length).toBeLessThan(attempts.length);
      const owner = expectDisjoint(winners);

      // Refusals carry no X-Event-Position but write compensations, so wait for the head too.
      const seen = Math.max(maxPosition(attempts.map((a) => a.response)), await eventStoreOf(running).headPosition());
      const seats = await seatMap(reader, scheduleId, seen);
      const held = seatIdsWith(seats, 'HELD');
      expect(held).toEqual([...owner.keys()].sort());
      expect(held.length).toBe(winners.reduce((sum, w) => sum + w.seatIds.length, 0));
      expect(seatIdsWith(seats, 'SOLD')).toEqual([]);
      const schedules = await reader.call('GET', `/v1/concerts/${concert.concertId}/schedules`, undefined, {
        'x-min-position': String(seen),
      });
      expect(schedules.body).toEqual([
        expect.objectContaining({ scheduleId, availableSeats: 6 - held.length, totalSeats: 6 }),
      ]);
      for (const { user, seatIds: asked, response } of winners) {
        const view = await user.call('GET', `/v1/reservations/${response.body.reservationId}`);
        expect(view.body).toEqual(expect.objectContaining({ status: 'HELD', seatIds: asked }));
      }
    });

    it('leaves no refused request half-done: once every hold flow has an outcome, only the 201s are held', async () => {
      const pending = await pollUntil(
        () => unsettledHolds(scheduleId),
        (ids) => ids.length === 0,
        8_000,
        100,
      );
      expect(pending).toEqual([]);
      const heldInLog = (await allEvents(running))
        .filter((e) => e.type === 'ReservationHeld')
        .map((e) => (e.data as { reservationId: string }).reservationId);
      const requested = new Set(
        (await allEvents(running))
          .filter(
            (e) => e.type === 'ReservationRequested' && (e.data as { scheduleId: string }).scheduleId === scheduleId,
          )
          .map((e) => (e.data as { reservationId: string }).reservationId),
      );
      const answered201 = winners.map((w) => w.response.body.reservationId).sort();
      // A hold the client was refused must never turn into a live hold it does not know about.
      expect(heldInLog.filter((id) => requested.has(id)).sort()).toEqual(answered201);
      const seats = await seatMap(reader, scheduleId, await eventStoreOf(running).headPosition());
      expect(seatIdsWith(seats, 'HELD')).toEqual(winners.flatMap((w) => w.seatIds).sort());
    });

    it('then a payment race sells each seat once and debits each wallet exactly its own paid reservations', async () => {
      const holders = [...new Set(winners.map((w) => w.user))];
      const outsiders = users.filter((u) => !holders.includes(u) && u !== reader).slice(0, 10);
      await Promise.all([...holders, ...outsiders].map((u) => u.charge(100_000)));
      // Each holder pays all its holds at once (the first one twice), and users holding
      // nothing try to pay other people's reservations.
      const payments = [
        ...winners.map((w) => ({ kind: 'own', attempt: w, user: w.user })),
        { kind: 'duplicate', attempt: winners[0], user: winners[0].user },
        ...outsiders.map((user, i) => ({ kind: 'foreign', attempt: winners[i % winners.length], user })),
      ];
      const paid = await Promise.all(
        payments.map(({ attempt, user }) => user.pay(attempt.response.body.reservationId)),
      );

      const paidCount = new Map<string, number>();
      payments.forEach(({ kind, attempt }, i) => {
        const response = paid[i];
        const reservationId = attempt.response.body.reservationId;
        if (kind === 'foreign') return expectProblem(response, 404, 'RESERVATION_NOT_FOUND');
        if (response.status === 201) {
          expect(response.body).toEqual({
            paymentId: expect.any(String),
            reservationId,
            amount: attempt.response.body.amount,
            balance: expect.any(Number),
          });
          paidCount.set(reservationId, (paidCount.get(reservationId) ?? 0) + 1);
          return;
        }
        // What a racing payment may legitimately meet: the same reservation already being (or
        // having been) paid, or the user's queue token already DONE after paying another hold.
        expectProblem(response);
        expect(['409 PAYMENT_IN_PROGRESS', '409 ALREADY_PAID', '403 QUEUE_NOT_ACTIVE']).toContain(
          `${response.status} ${response.body.code}`,
        );
      });
      for (const count of paidCount.values()) expect(count).toBe(1);
      expect(paidCount.has(winners[0].response.body.reservationId)).toBe(true);

      // Each SOLD seat belongs to exactly one PAID reservation; unpaid holds are still HELD.
      const after = maxPosition(paid);
      const statusOf = new Map<string, string>();
      for (const { user, response } of winners) {
        const view = await user.call('GET', `/v1/reservations/${response.body.reservationId}`, undefined, {
          'x-min-position': String(after),
        });
        statusOf.set(response.body.reservationId, view.body.status);
        expect(view.body.status).toBe(paidCount.has(response.body.reservationId) ? 'PAID' : 'HELD');
      }
      const seatsOf = (status: string) =>
        winners
          .filter((w) => statusOf.get(w.response.body.reservationId) === status)
          .flatMap((w) => w.seatIds)
          .sort();
      const finalSeats = await seatMap(reader, scheduleId, after);
      expect(seatIdsWith(finalSeats, 'SOLD')).toEqual(seatsOf('PAID'));
      expect(seatIdsWith(finalSeats, 'HELD')).toEqual(seatsOf('HELD'));

      for (const user of holders) {
        const spent = winners
          .filter((w) => w.user === user && statusOf.get(w.response.body.reservationId) === 'PAID')
          .reduce((sum, w) => sum + w.response.body.amount, 0);
        const wallet = await user.call('GET', '/v1/wallet', undefined, { 'x-min-position': String(after) });
        expect({ userId: user.userId, balance: wallet.body.balance }).toEqual({
          userId: user.userId,
          balance: 100_000 - spent,
        });
      }
      for (const user of outsiders) {
        const wallet = await user.call('GET', '/v1/wallet', undefined, { 'x-min-position': String(after) });
        expect(wallet.body).toEqual({ balance: 100_000 });
      }
      await expectSeatStreamsNeverDoubleBooked(seatIds);
    });
  });

  it('a seat with a long history (six hold/cancel cycles) still answers a race with one 201 and 409 SEAT_UNAVAILABLE for the rest', async () => {
    const concert = await running.client.createConcert(1);
    const { scheduleId, seatIds } = concert.schedules[0];
    const racers = users.slice(0, 5);
    await makeActive(racers, concert.concertId);
    for (let cycle = 0; cycle < 6; cycle++) {
      const held = await racers[cycle % 5].hold(scheduleId, seatIds);
      expect(held.status).toBe(201);
      expect((await racers[cycle % 5].call('DELETE', `/v1/reservations/${held.body.reservationId}`)).status).toBe(204);
    }
    expect(await eventStoreOf(running).readStream(`Seat-${seatIds[0]}`)).toHaveLength(12);

    const attempts = await fireHolds(
      scheduleId,
      racers.map((user) => ({ user, seatIds })),
    );
    expect(attempts.filter((a) => a.response.status === 201)).toHaveLength(1);
    expectOnlyHeldOrRefused(attempts, scheduleId);
    await expectSeatStreamsNeverDoubleBooked(seatIds);
  });

  it('60 users racing for three seats with overlapping multi-seat holds: the successful holds are disjoint, cover at most 3 seats, and nothing else stays blocked', async () => {
    const concert = await running.client.createConcert(3);
    const { scheduleId, seatIds } = concert.schedules[0];
    const racers = users.slice(0, 60);
    const reader = users[63];
    await makeActive([...racers, reader], concert.concertId);

    const random = prng(7);
    const requests = racers.map((user) => ({ user, seatIds: pick(seatIds, 2 + Math.floor(random() * 2), random) }));
    const attempts = await fireHolds(scheduleId, requests);

    const winners = attempts.filter((a) => a.response.status === 201);
    const owner = expectDisjoint(winners);
    expect(owner.size).toBeLessThanOrEqual(3);
    // Holds of two or three seats out of three always overlap: at most one can win.
    expect(winners.length).toBeLessThanOrEqual(1);

    const seen = Math.max(maxPosition(attempts.map((a) => a.response)), await eventStoreOf(running).headPosition());
    const seats = await seatMap(reader, scheduleId, seen);
    expect(seatIdsWith(seats, 'HELD')).toEqual([...owner.keys()].sort());
    expect(seatIdsWith(seats, 'HELD').length).toBe(winners.reduce((sum, w) => sum + w.seatIds.length, 0));

    // Whatever no winner holds is really free: one more request takes all of it.
    const free = seatIds.filter((id) => !owner.has(id));
    if (free.length > 0) expect((await reader.hold(scheduleId, free)).status).toBe(201);
    await expectSeatStreamsNeverDoubleBooked(seatIds);
    expectOnlyHeldOrRefused(attempts, scheduleId);
  });
});
