import { RecordedEvent } from '../src/event-store/event-store.port';
import { Clock } from '../src/shared/clock';
import { Faults } from '../src/shared/faults';
import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import {
  eventStoreOf,
  expectProblem,
  makeActive,
  makeUsers,
  pollUntil,
  removeDataDirs,
  sameUserOn,
  tempDataDir,
} from './support/e2e';

const HOLD_TTL_SECONDS = 60;
const OFFER_SECONDS = 30;
const QUEUE_ACTIVE_TTL_SECONDS = 120;
const POLL_MS = 20_000;

type WaitlistEntry = {
  scheduleId: string;
  entryId: string;
  status: string;
  place?: number;
  offer?: { reservationId: string; seatIds: string[]; expiresAt: string };
};

/** The write side's clock, moved forward by the test instead of waiting out holds and offers. */
class SteppedClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

const entryOf = async (user: User, scheduleId: string): Promise<WaitlistEntry | undefined> => {
  const response = await user.call<WaitlistEntry[]>('GET', '/v1/waitlist');
  expect(response.status).toBe(200);
  return response.body.find((e) => e.scheduleId === scheduleId);
};
const until = (user: User, scheduleId: string, done: (entry: WaitlistEntry | undefined) => boolean) =>
  pollUntil(() => entryOf(user, scheduleId), done, POLL_MS);

describe('waiting list for a sold-out schedule', () => {
  const clock = new SteppedClock();
  let running: RunningApp;
  let concertId: string;
  let scheduleId: string;
  let seatIds: string[];
  let holder: User;
  let buyer: User;
  let first: User;
  let second: User;

  beforeAll(async () => {
    running = await startApp(
      {
        DATA_DIR: tempDataDir(),
        HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
        WAITLIST_OFFER_SECONDS: String(OFFER_SECONDS),
        QUEUE_ACTIVE_TTL_SECONDS: String(QUEUE_ACTIVE_TTL_SECONDS),
      },
      { clock },
    );
    const concert = await running.client.createConcert(2);
    concertId = concert.concertId;
    ({ scheduleId, seatIds } = concert.schedules[0]);
    [holder, buyer, first, second] = await makeUsers(running.client, 4, 'w');
    await makeActive([holder, buyer, first, second], concertId);
  });
  afterAll(() => running.close());

  it('hands a freed seat to the users waiting, in join order, one offer at a time', async () => {
    const join = (user: User) => user.call('POST', `/v1/schedules/${scheduleId}/waitlist`);

    // Not sold out yet: hold a seat instead.
    expectProblem(await join(first), 409, 'SEATS_AVAILABLE');
    expectProblem(await first.call('POST', '/v1/schedules/no-such-schedule/waitlist'), 404, 'SCHEDULE_NOT_FOUND');

    // Sold out: one seat held, the other sold.
    const held = await holder.hold(scheduleId, [seatIds[0]]);
    expect(held.status).toBe(201);
    const bought = await buyer.hold(scheduleId, [seatIds[1]]);
    expect(bought.status).toBe(201);
    expect((await buyer.charge(10_000)).status).toBe(200);
    expect((await buyer.pay(bought.body.reservationId)).status).toBe(201);

    const joined = await join(first);
    expect(joined.status).toBe(201);
    expect(joined.body).toEqual({ entryId: expect.any(String), scheduleId, status: 'WAITING' });
    const again = await join(first);
    expect(again.status).toBe(200);
    expect(again.body.entryId).toBe(joined.body.entryId);
    expect((await join(second)).status).toBe(201);

    expect(await until(first, scheduleId, (e) => e?.place === 1)).toMatchObject({ status: 'WAITING', place: 1 });
    expect(await until(second, scheduleId, (e) => e?.place === 2)).toMatchObject({ status: 'WAITING', place: 2 });

    // The holder's hold runs out: its seat goes to the first user waiting, as a hold of theirs.
    clock.advance(HOLD_TTL_SECONDS + 1);
    const offeredFirst = await until(first, scheduleId, (e) => e?.status === 'OFFERED');
    expect(offeredFirst).toMatchObject({ status: 'OFFERED', offer: { seatIds: [seatIds[0]] } });
    const firstOffer = offeredFirst!.offer!;
    expect(Date.parse(firstOffer.expiresAt) - clock.now().getTime()).toBeLessThanOrEqual(OFFER_SECONDS * 1000);
    const reservation = await pollUntil(
      () => first.call('GET', `/v1/reservations/${firstOffer.reservationId}`),
      (r) => r.status === 200,
      POLL_MS,
    );
    expect(reservation.body).toMatchObject({ status: 'HELD', seatIds: [seatIds[0]] });
    expect(await entryOf(second, scheduleId)).toMatchObject({ status: 'WAITING', place: 1 });
    // The seat is the offer's alone: nobody else can hold it, not the second user either.
    expectProblem(await second.hold(scheduleId, [seatIds[0]]), 409, 'SEAT_UNAVAILABLE');

    // The offer is not taken in time: it passes to the next user. Long enough that the second user's queue
    // token is no longer ACTIVE either: a wait for a freed seat outlasts the queue's window.
    clock.advance(QUEUE_ACTIVE_TTL_SECONDS);
    const offeredSecond = await until(second, scheduleId, (e) => e?.status === 'OFFERED');
    expect(offeredSecond).toMatchObject({ status: 'OFFERED', offer: { seatIds: [seatIds[0]] } });
    expect(await until(first, scheduleId, (e) => e?.status === 'LAPSED')).toMatchObject({ status: 'LAPSED' });

    // Paid with the ordinary payment endpoint: the offer lets its user pay, though nothing else.
    expectProblem(await second.hold(scheduleId, [seatIds[0]]), 403, 'QUEUE_NOT_ACTIVE');
    expect((await second.charge(10_000)).status).toBe(200);
    expect((await second.pay(offeredSecond!.offer!.reservationId)).status).toBe(201);
    expect(await until(second, scheduleId, (e) => e?.status === 'PAID')).toMatchObject({ status: 'PAID' });

    const log = await eventStoreOf(running).readAll(0, 100_000);
    const offers = log.filter((e) => e.type === 'WaitlistOffered').map((e) => (e.data as { userId: string }).userId);
    expect(offers).toEqual([first.userId, second.userId]);
    expectNoOverlappingHolds(log.filter((e) => e.streamId === `Seat-${seatIds[0]}`));
  });
});

describe('waiting list offers across a crash', () => {
  const clock = new SteppedClock();
  const env = { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), WAITLIST_OFFER_SECONDS: '600' };
  afterAll(() => removeDataDirs());

  it('an offer written to the ledger by a process that died before holding the seat is held by the next leader', async () => {
    const dataDir = tempDataDir();
    const faults = new Faults();
    const before = await startApp({ DATA_DIR: dataDir, ...env }, { clock, faults });
    let after: RunningApp | undefined;
    try {
      const concert = await before.client.createConcert(1);
      const { scheduleId, seatIds } = concert.schedules[0];
      const [holder, waiter] = await makeUsers(before.client, 2, 'k');
      await makeActive([holder, waiter], concert.concertId);
      expect((await holder.hold(scheduleId, seatIds)).status).toBe(201);
      expect((await waiter.call('POST', `/v1/schedules/${scheduleId}/waitlist`)).status).toBe(201);
      expect(await until(waiter, scheduleId, (e) => e?.place === 1)).toMatchObject({ place: 1 });

      faults.arm('waitlist:after-offer');
      clock.advance(HOLD_TTL_SECONDS + 1);
      const store = eventStoreOf(before);
      const offered = await pollUntil(
        async () => (await store.readAll(0, 100_000, { types: ['WaitlistOffered'] }))[0],
        (event) => event !== undefined,
        POLL_MS,
      );
      const { reservationId } = offered.data as { reservationId: string };
      expect(await store.readStream(`Reservation-${reservationId}`)).toEqual([]);
      await before.close();

      after = await startApp({ DATA_DIR: dataDir, ...env }, { clock });
      const moved = sameUserOn(after.client, waiter);
      const entry = await until(moved, scheduleId, (e) => e?.status === 'OFFERED');
      expect(entry).toMatchObject({ status: 'OFFERED', offer: { reservationId, seatIds } });
      const reservation = await pollUntil(
        () => moved.call('GET', `/v1/reservations/${reservationId}`),
        (r) => r.body?.status === 'HELD',
        POLL_MS,
      );
      expect(reservation.body).toMatchObject({ status: 'HELD', seatIds });
    } finally {
      await after?.close();
    }
  });
});

/** Every hold of the seat after the first comes after the release of the one before it: never two live at once. */
function expectNoOverlappingHolds(seatEvents: readonly RecordedEvent[]): void {
  let live: string | undefined;
  const holders: string[] = [];
  for (const event of seatEvents) {
    const { reservationId } = event.data as { reservationId: string };
    if (event.type === 'SeatHeld') {
      expect(live).toBeUndefined();
      live = reservationId;
      holders.push(reservationId);
    } else if (event.type === 'SeatReleased' && live === reservationId) live = undefined;
  }
  // The holder's hold, then the first user's offer, then the second's.
  expect(holders).toHaveLength(3);
}
