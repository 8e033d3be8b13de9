import type { EventStore, RecordedEvent } from '../../src/event-store/event-store.port';
import { Client, User } from './client';
import { SteppedClock } from './clocks';
import { expectProblem, makeActive, makeUsers, pollUntil } from './e2e';

/** What the scenario's app must be started with (as env), besides the stepped clock. */
export const WAITLIST_SETTINGS = { holdTtlSeconds: 60, offerSeconds: 30, queueActiveTtlSeconds: 120 };
export const waitlistEnv = (settings = WAITLIST_SETTINGS) => ({
  HOLD_TTL_SECONDS: String(settings.holdTtlSeconds),
  WAITLIST_OFFER_SECONDS: String(settings.offerSeconds),
  QUEUE_ACTIVE_TTL_SECONDS: String(settings.queueActiveTtlSeconds),
});
const POLL_MS = 20_000;

export type WaitlistEntry = {
  scheduleId: string;
  entryId: string;
  status: string;
  place?: number;
  offer?: { reservationId: string; seatIds: string[]; expiresAt: string };
};

export const entryOf = async (user: User, scheduleId: string): Promise<WaitlistEntry | undefined> => {
  const response = await user.call<WaitlistEntry[]>('GET', '/v1/waitlist');
  expect(response.status).toBe(200);
  return response.body.find((e) => e.scheduleId === scheduleId);
};
export const until = (user: User, scheduleId: string, done: (entry: WaitlistEntry | undefined) => boolean) =>
  pollUntil(() => entryOf(user, scheduleId), done, POLL_MS);

/**
 * A two-seat schedule sold out (one seat held, one sold), two users on its
 * waiting list in order; the hold runs out and the seat is offered to the
 * first, whose offer runs out and passes to the second, who pays it. Run
 * against whatever instances `client` speaks to, whose write sides run on `clock`.
 */
export async function waitlistScenario(client: Client, clock: SteppedClock, store: EventStore): Promise<void> {
  const { holdTtlSeconds, offerSeconds, queueActiveTtlSeconds } = WAITLIST_SETTINGS;
  const concert = await client.createConcert(2);
  const { scheduleId, seatIds } = concert.schedules[0];
  const [holder, buyer, first, second] = await makeUsers(client, 4, 'w');
  await makeActive([holder, buyer, first, second], concert.concertId);
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
  clock.advance(holdTtlSeconds + 1);
  const offeredFirst = await until(first, scheduleId, (e) => e?.status === 'OFFERED');
  expect(offeredFirst).toMatchObject({ status: 'OFFERED', offer: { seatIds: [seatIds[0]] } });
  const firstOffer = offeredFirst!.offer!;
  expect(Date.parse(firstOffer.expiresAt) - clock.now().getTime()).toBeLessThanOrEqual(offerSeconds * 1000);
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
  clock.advance(queueActiveTtlSeconds);
  const offeredSecond = await until(second, scheduleId, (e) => e?.status === 'OFFERED');
  expect(offeredSecond).toMatchObject({ status: 'OFFERED', offer: { seatIds: [seatIds[0]] } });
  expect(await until(first, scheduleId, (e) => e?.status === 'LAPSED')).toMatchObject({ status: 'LAPSED' });

  // Paid with the ordinary payment endpoint: the offer lets its user pay, though nothing else.
  expectProblem(await second.hold(scheduleId, [seatIds[0]]), 403, 'QUEUE_NOT_ACTIVE');
  expect((await second.charge(10_000)).status).toBe(200);
  expect((await second.pay(offeredSecond!.offer!.reservationId)).status).toBe(201);
  expect(await until(second, scheduleId, (e) => e?.status === 'PAID')).toMatchObject({ status: 'PAID' });

  const log = await wholeLog(store);
  const offers = log.filter((e) => e.type === 'WaitlistOffered').map((e) => (e.data as { userId: string }).userId);
  expect(offers).toEqual([first.userId, second.userId]);
  expectNoOverlappingHolds(log.filter((e) => e.streamId === `Seat-${seatIds[0]}`));
}

/**
 * The whole log, page after page until a page comes back empty: a page may end
 * early (a SQL store serves a run of its own recent writes up to the first
 * position another instance wrote).
 */
async function wholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const log: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll(log.length > 0 ? log[log.length - 1].position : 0, 10_000);
    if (page.length === 0) return log;
    log.push(...page);
  }
}

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
