import { ADMISSION_PROCESS } from '../src/app/tokens';
import { AdmissionProcess } from '../src/write/queue/admission.process';
import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import {
  eventStoreOf,
  eventTypes,
  expectProblem,
  makeUsers,
  pollUntil,
  positionOf,
  seatIdsWith,
  seatMap,
  removeDataDirs,
  sleep,
  tempDataDir,
} from './support/e2e';

const TTL_SECONDS = 2;

/** Waits until the wall clock is safely past an ISO instant. */
async function waitPast(iso: string, marginMs = 150): Promise<void> {
  const wait = Date.parse(iso) + marginMs - Date.now();
  if (wait > 0) await sleep(wait);
}

/**
 * Invariant 3: a hold older than HOLD_TTL_SECONDS blocks nobody and cannot be
 * paid, even before any expiry event is written; and cancellation over HTTP.
 */
describe('hold expiry and cancellation (Invariant 3)', () => {
  afterAll(() => removeDataDirs());

  describe('with the sweeper stopped (no expiry event can be written)', () => {
    let running: RunningApp;
    let alice: User;
    let bob: User;
    let concertId: string;
    let scheduleId: string;
    let seatIds: string[];

    beforeAll(async () => {
      // A tick of an hour: neither the sweeper nor the admission process runs by itself.
      running = await startApp(
        { DATA_DIR: tempDataDir(), HOLD_TTL_SECONDS: String(TTL_SECONDS) },
        { tickMs: 3_600_000 },
      );
      const concert = await running.client.createConcert(4);
      concertId = concert.concertId;
      ({ scheduleId, seatIds } = concert.schedules[0]);
      [alice, bob] = await makeUsers(running.client, 2, 'x');
      await alice.join(concertId);
      await bob.join(concertId);
      // Admission is the only background work this test needs: run one round by hand.
      await running.app.get<AdmissionProcess>(ADMISSION_PROCESS).tick();
      for (const user of [alice, bob]) expect((await user.waitForStatus('ACTIVE', 3_000)).body.status).toBe('ACTIVE');
    });
    afterAll(() => running.close());

    it('an expired hold shows EXPIRED and AVAILABLE, cannot be paid (409 HOLD_EXPIRED), and can be re-held by another user', async () => {
      const store = eventStoreOf(running);
      const held = await alice.hold(scheduleId, seatIds.slice(0, 2));
      expect(held.status).toBe(201);
      const { reservationId, expiresAt } = held.body;
      const ttl = Date.parse(expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(TTL_SECONDS * 1000);

      // While live it blocks others and shows HELD.
      const blocked = await bob.hold(scheduleId, [seatIds[1], seatIds[2]]);
      expectProblem(blocked, 409, 'SEAT_UNAVAILABLE');
      expect(blocked.body.seatIds).toEqual([seatIds[1]]);
      expect(seatIdsWith(await seatMap(bob, scheduleId, positionOf(held)), 'HELD')).toEqual(seatIds.slice(0, 2).sort());
      expect((await alice.charge(10_000)).status).toBe(200);

      await waitPast(expiresAt);

      // Nothing has written an expiry yet...
      const reservationEvents = eventTypes(await store.readStream(`Reservation-${reservationId}`));
      expect(reservationEvents).not.toContain('ReservationExpired');
      expect(reservationEvents).toEqual(['ReservationRequested', 'ReservationHeld']);
      for (const seatId of seatIds.slice(0, 2)) {
        expect(eventTypes(await store.readStream(`Seat-${seatId}`))).toEqual(['SeatHeld']);
      }

      // ...yet queries already answer from `now`.
      const view = await alice.call('GET', `/v1/reservations/${reservationId}`);
      expect(view.status).toBe(200);
      expect(view.body).toEqual(
        expect.objectContaining({ reservationId, status: 'EXPIRED', seatIds: seatIds.slice(0, 2) }),
      );
      const seats = await seatMap(bob, scheduleId);
      expect(seatIdsWith(seats, 'HELD')).toEqual([]);
      expect(seatIdsWith(seats, 'AVAILABLE')).toEqual([...seatIds].sort());
      const schedules = await bob.call('GET', `/v1/concerts/${concertId}/schedules`);
      expect(schedules.body).toEqual([expect.objectContaining({ scheduleId, availableSeats: 4, totalSeats: 4 })]);

      // It cannot be paid, and the refusal charges nothing.
      const late = await alice.pay(reservationId);
      expectProblem(late, 409, 'HOLD_EXPIRED');
      expect((await alice.call('GET', '/v1/wallet')).body).toEqual({ balance: 10_000 });
      // Nor cancelled: it is no longer held.
      expectProblem(await alice.call('DELETE', `/v1/reservations/${reservationId}`), 409, 'RESERVATION_NOT_HELD');

      // Another user takes the same seats while the stale hold is still the seats' last word in the log.
      const retaken = await bob.hold(scheduleId, seatIds.slice(0, 2));
      expect(retaken.status).toBe(201);
      expect(eventTypes(await store.readStream(`Reservation-${reservationId}`))).not.toContain('ReservationExpired');
      expect(seatIdsWith(await seatMap(bob, scheduleId, positionOf(retaken)), 'HELD')).toEqual(
        seatIds.slice(0, 2).sort(),
      );
      expect((await bob.charge(10_000)).status).toBe(200);
      const bobPaid = await bob.pay(retaken.body.reservationId);
      expect(bobPaid.status).toBe(201);
      expect(bobPaid.body).toEqual(
        expect.objectContaining({ reservationId: retaken.body.reservationId, amount: 2000, balance: 8000 }),
      );

      // The expired hold is still refused (not ALREADY_PAID: the seats were paid by someone else's reservation).
      expectProblem(await alice.pay(reservationId), 409, 'HOLD_EXPIRED');
      expect((await alice.call('GET', '/v1/wallet')).body).toEqual({ balance: 10_000 });
      for (const seatId of seatIds.slice(0, 2)) {
        expect(eventTypes(await store.readStream(`Seat-${seatId}`))).toEqual(['SeatHeld', 'SeatHeld', 'SeatSold']);
      }
      const reader = await makeUsers(running.client, 1, 'r').then(([u]) => u);
      await reader.join(concertId);
      await running.app.get<AdmissionProcess>(ADMISSION_PROCESS).tick();
      expect((await reader.waitForStatus('ACTIVE', 3_000)).body.status).toBe('ACTIVE');
      expect(seatIdsWith(await seatMap(reader, scheduleId, positionOf(bobPaid)), 'SOLD')).toEqual(
        seatIds.slice(0, 2).sort(),
      );
    });
  });

  describe('with the sweeper running', () => {
    let running: RunningApp;
    let alice: User;
    let bob: User;
    let carol: User;
    let scheduleId: string;
    let seatIds: string[];

    beforeAll(async () => {
      running = await startApp({ DATA_DIR: tempDataDir(), HOLD_TTL_SECONDS: String(TTL_SECONDS) });
      const concert = await running.client.createConcert(8);
      ({ scheduleId, seatIds } = concert.schedules[0]);
      [alice, bob, carol] = await makeUsers(running.client, 3, 'y');
      for (const user of [alice, bob, carol]) await user.joinAndWaitActive(concert.concertId);
    });
    afterAll(() => running.close());

    it('writes ReservationExpired and SeatReleased soon after the TTL', async () => {
      const store = eventStoreOf(running);
      const held = await alice.hold(scheduleId, seatIds.slice(0, 2));
      expect(held.status).toBe(201);
      const { reservationId, expiresAt } = held.body;
      await waitPast(expiresAt, 0);

      const types = await pollUntil(
        async () => ({
          reservation: eventTypes(await store.readStream(`Reservation-${reservationId}`)),
          seats: await Promise.all(
            seatIds.slice(0, 2).map(async (id) => eventTypes(await store.readStream(`Seat-${id}`))),
          ),
        }),
        (t) => t.reservation.includes('ReservationExpired') && t.seats.every((s) => s.includes('SeatReleased')),
        5_000,
      );
      expect(types).toEqual({
        reservation: ['ReservationRequested', 'ReservationHeld', 'ReservationExpired'],
        seats: [
          ['SeatHeld', 'SeatReleased'],
          ['SeatHeld', 'SeatReleased'],
        ],
      });
      const released = (await store.readStream(`Seat-${seatIds[0]}`))[1];
      expect(released.data).toEqual(expect.objectContaining({ reservationId, reason: 'expired' }));
      // The expiry event was only written once the TTL had passed.
      const expired = (await store.readStream(`Reservation-${reservationId}`))[2];
      expect(expired.recordedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(expiresAt));

      const head = await store.headPosition();
      expect(
        (await alice.call('GET', `/v1/reservations/${reservationId}`, undefined, { 'x-min-position': String(head) }))
          .body.status,
      ).toBe('EXPIRED');
      expect(seatIdsWith(await seatMap(bob, scheduleId, head), 'AVAILABLE')).toEqual([...seatIds].sort());
      expectProblem(await alice.pay(reservationId), 409, 'HOLD_EXPIRED');
      expectProblem(await alice.call('DELETE', `/v1/reservations/${reservationId}`), 409, 'RESERVATION_NOT_HELD');
    });

    it('DELETE of a held reservation answers 204 and frees its seats; DELETE again is 409 RESERVATION_NOT_HELD; someone else gets 404', async () => {
      const held = await alice.hold(scheduleId, [seatIds[4], seatIds[5]]);
      expect(held.status).toBe(201);
      const { reservationId } = held.body;

      // Someone else can neither see nor cancel it (the hold lasts only 2 s, so no more than needed before the DELETE).
      expectProblem(await bob.call('GET', `/v1/reservations/${reservationId}`), 404, 'RESERVATION_NOT_FOUND');
      expectProblem(await bob.call('DELETE', `/v1/reservations/${reservationId}`), 404, 'RESERVATION_NOT_FOUND');
      const cancelled = await alice.call('DELETE', `/v1/reservations/${reservationId}`);
      expect(cancelled.status).toBe(204);
      expect(cancelled.body).toBeUndefined();
      const after = positionOf(cancelled);
      expect(after).toBeGreaterThan(positionOf(held));
      expect(seatIdsWith(await seatMap(bob, scheduleId, after), 'HELD')).toEqual([]);
      const view = await alice.call('GET', `/v1/reservations/${reservationId}`, undefined, {
        'x-min-position': String(after),
      });
      expect(view.body).toEqual(expect.objectContaining({ reservationId, status: 'CANCELLED' }));
      const events = eventTypes(await eventStoreOf(running).readStream(`Reservation-${reservationId}`));
      expect(events).toEqual(['ReservationRequested', 'ReservationHeld', 'ReservationCancelled']);

      expectProblem(await alice.call('DELETE', `/v1/reservations/${reservationId}`), 409, 'RESERVATION_NOT_HELD');
      expectProblem(await alice.pay(reservationId), 409, 'HOLD_EXPIRED');
      expectProblem(await bob.call('DELETE', `/v1/reservations/${reservationId}`), 404, 'RESERVATION_NOT_FOUND');
      expectProblem(await bob.call('GET', `/v1/reservations/${reservationId}`), 404, 'RESERVATION_NOT_FOUND');
      expectProblem(await bob.pay(reservationId), 404, 'RESERVATION_NOT_FOUND');
      expectProblem(await alice.call('DELETE', '/v1/reservations/no-such-reservation'), 404, 'RESERVATION_NOT_FOUND');

      // The freed seats really are free: someone else holds them at once.
      expect((await carol.hold(scheduleId, [seatIds[4], seatIds[5]])).status).toBe(201);
    });

    it('a paid reservation cannot be cancelled', async () => {
      const held = await bob.hold(scheduleId, [seatIds[6]]);
      expect(held.status).toBe(201);
      await bob.charge(1000);
      expect((await bob.pay(held.body.reservationId)).status).toBe(201);
      expectProblem(
        await bob.call('DELETE', `/v1/reservations/${held.body.reservationId}`),
        409,
        'RESERVATION_NOT_HELD',
      );
      expect(seatIdsWith(await seatMap(carol, scheduleId, await eventStoreOf(running).headPosition()), 'SOLD')).toEqual(
        [seatIds[6]],
      );
    });
  });
});
