import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import {
  allEvents,
  eventStoreOf,
  eventTypes,
  expectProblem,
  makeActive,
  pollUntil,
  quickUsers,
  removeDataDirs,
  seatIdsWith,
  seatMap,
  tempDataDir,
} from './support/e2e';

/**
 * A concert's `maxSeatsPerUser` counts a user's live holds and purchases
 * across all its schedules, decided on the user's allowance stream, so a
 * burst of parallel holds cannot pass it; a hold that ends gives its seats back.
 */
describe('ticket limit per user (maxSeatsPerUser)', () => {
  const HOLD_TTL_SECONDS = 60;
  // The app's clock: a test moves it past the hold TTL instead of waiting for it.
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(
      { DATA_DIR: tempDataDir(), HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), QUEUE_ACTIVE_CAPACITY: '100' },
      { clock },
    );
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  async function limitedConcert(limit: number, seats = 20, schedules = 2) {
    const concert = await running.client.createConcert(seats, schedules, 100, { maxSeatsPerUser: limit });
    const users = await quickUsers(running, 2, 'lim');
    await makeActive(users, concert.concertId);
    return { concert, users };
  }

  /** Seats held or sold to this user, folded from their streams. */
  async function seatsOf(user: User, seatIds: readonly string[]) {
    const store = eventStoreOf(running);
    let count = 0;
    for (const seatId of seatIds) {
      let holder: { userId?: string; reservationId: string } | undefined;
      for (const event of await store.readStream(`Seat-${seatId}`)) {
        const data = event.data as { userId?: string; reservationId: string };
        if (event.type === 'SeatHeld') holder = data;
        else if (event.type === 'SeatReleased' && holder?.reservationId === data.reservationId) holder = undefined;
      }
      if (holder?.userId === user.userId) count += 1;
    }
    return count;
  }

  it('20 parallel holds of 2 seats against a limit of 4, across two schedules: 4 seats held, the rest 409 SEAT_LIMIT_REACHED', async () => {
    const { concert, users } = await limitedConcert(4);
    const [alice, bob] = users;
    const requests = Array.from({ length: 20 }, (_, i) => {
      const { scheduleId, seatIds } = concert.schedules[i % 2];
      const first = 2 * Math.floor(i / 2);
      return { scheduleId, seatIds: seatIds.slice(first, first + 2) };
    });
    const responses = await Promise.all(requests.map((r) => alice.hold(r.scheduleId, r.seatIds)));

    const held = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status !== 201);
    expect(held).toHaveLength(2);
    for (const response of refused) expectProblem(response, 409, 'SEAT_LIMIT_REACHED');
    const everySeat = concert.schedules.flatMap((s) => s.seatIds);
    expect(await seatsOf(alice, everySeat)).toBe(4);

    // A sale keeps counting: paying one hold leaves no room for another.
    expect((await alice.charge(10_000)).status).toBe(200);
    expect((await alice.pay(held[0].body.reservationId)).status).toBe(201);
    // Paying ends her queue turn; she queues again, as a buyer coming back would.
    await makeActive([alice], concert.concertId);
    const free = concert.schedules[1].seatIds.slice(-2);
    expectProblem(await alice.hold(concert.schedules[1].scheduleId, free), 409, 'SEAT_LIMIT_REACHED');
    // The limit is per user: Bob still holds his own.
    expect((await bob.hold(concert.schedules[1].scheduleId, free)).status).toBe(201);
    expect(await seatsOf(alice, everySeat)).toBe(4);
  });

  it('a cancelled hold gives its seats back to the allowance, exactly once', async () => {
    const { concert, users } = await limitedConcert(2, 6, 1);
    const [alice] = users;
    const { scheduleId, seatIds } = concert.schedules[0];
    const first = await alice.hold(scheduleId, seatIds.slice(0, 2));
    expect(first.status).toBe(201);
    expectProblem(await alice.hold(scheduleId, [seatIds[2]]), 409, 'SEAT_LIMIT_REACHED');

    expect((await alice.call('DELETE', `/v1/reservations/${first.body.reservationId}`)).status).toBe(204);
    expect((await alice.hold(scheduleId, seatIds.slice(2, 4))).status).toBe(201);
    expectProblem(await alice.hold(scheduleId, [seatIds[4]]), 409, 'SEAT_LIMIT_REACHED');

    const allowance = (await allEvents(running)).filter(
      (e) => e.streamId === `SeatAllowance-${concert.concertId}.${alice.userId}`,
    );
    expect(eventTypes(allowance)).toEqual(['SeatsGranted', 'SeatsReturned', 'SeatsGranted']);
  });

  it('a concert without a limit pays no allowance append', async () => {
    const concert = await running.client.createConcert(4, 1, 100);
    const [alice] = await quickUsers(running, 1, 'free');
    await makeActive([alice], concert.concertId);
    expect((await alice.hold(concert.schedules[0].scheduleId, concert.schedules[0].seatIds.slice(0, 4))).status).toBe(
      201,
    );
    const allowances = (await allEvents(running)).filter((e) =>
      e.streamId.startsWith(`SeatAllowance-${concert.concertId}.`),
    );
    expect(allowances).toEqual([]);
  });

  // Last: it moves the app's clock past every hold made so far.
  it('an expired hold gives its seats back once the sweeper has expired it and freed its seats', async () => {
    const { concert, users } = await limitedConcert(2, 4, 1);
    const [alice, bob] = users;
    const { scheduleId, seatIds } = concert.schedules[0];
    const first = await alice.hold(scheduleId, seatIds.slice(0, 2));
    expect(first.status).toBe(201);
    expectProblem(await alice.hold(scheduleId, seatIds.slice(2, 4)), 409, 'SEAT_LIMIT_REACHED');

    offsetMs += (HOLD_TTL_SECONDS + 1) * 1000;
    const store = eventStoreOf(running);
    const allowance = `SeatAllowance-${concert.concertId}.${alice.userId}`;
    const types = await pollUntil(
      async () => eventTypes(await store.readStream(allowance)),
      (t) => t.includes('SeatsReturned'),
      8_000,
      50,
    );
    expect(types).toEqual(['SeatsGranted', 'SeatsReturned']);
    expect(eventTypes(await store.readStream(`Reservation-${first.body.reservationId}`))).toContain(
      'ReservationExpired',
    );
    const again = await alice.hold(scheduleId, seatIds.slice(2, 4));
    expect(again.status).toBe(201);
    const seats = await seatMap(bob, scheduleId, await store.headPosition());
    expect(seatIdsWith(seats, 'HELD')).toEqual(seatIds.slice(2, 4).sort());
  });
});
