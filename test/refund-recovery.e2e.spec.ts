import { Faults, FaultPoint } from '../src/shared/faults';
import { RunningApp, startApp } from './support/app';
import {
  eventStoreOf,
  eventTypes,
  expectProblem,
  freshDataDir,
  makeActive,
  pollUntil,
  quickUsers,
  removeDataDirs,
  sameUserOn,
  seatIdsWith,
  seatMap,
} from './support/e2e';

/**
 * Invariant 6 for refunds: the intent (RefundRequested) is written first, so
 * a crash at any later step is finished after a restart by the sweeper, which
 * resumes unfinished refunds: seats free, wallet credited once, REFUNDED, and
 * the seat allowance of a limited concert given back.
 */
describe('crash recovery of the refund process manager (Invariant 6)', () => {
  const PRICE = 1000;
  const CHARGED = 5000;

  let first: RunningApp | undefined;
  let second: RunningApp | undefined;
  afterEach(async () => {
    await first?.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
    first = second = undefined;
  });
  afterAll(() => removeDataDirs());

  it.each(['refund:after-request', 'refund:after-credit', 'refund:after-seats'] as const)(
    'a crash at %s is finished on restart: REFUNDED, seats AVAILABLE, wallet credited exactly once, allowance back',
    async (point: FaultPoint) => {
      const dataDir = await freshDataDir();
      const faults = new Faults();
      // The app that crashes never recovers by itself (stale after an hour): only the restart finishes the refund.
      first = await startApp({ DATA_DIR: dataDir }, { faults, staleFlowMs: 3_600_000 });
      const concert = await first.client.createConcert(4, 1, PRICE, { maxSeatsPerUser: 2 });
      const { concertId } = concert;
      const { scheduleId, seatIds } = concert.schedules[0];
      const [alice, bob] = await quickUsers(first, 2, 'rr');
      await makeActive([alice, bob], concertId);
      const asked = seatIds.slice(0, 2);
      const held = await alice.hold(scheduleId, asked);
      expect(held.status).toBe(201);
      const { reservationId } = held.body;
      expect((await alice.charge(CHARGED)).status).toBe(200);
      expect((await alice.pay(reservationId)).status).toBe(201);

      faults.arm(point);
      const crashed = await alice.call('POST', `/v1/reservations/${reservationId}/refund`);
      faults.disarm();
      expectProblem(crashed, 500, 'INTERNAL_ERROR');
      await first.close();
      first = undefined;

      second = await startApp({ DATA_DIR: dataDir }, { tickMs: 50, staleFlowMs: 300 });
      const [alice2, bob2] = [sameUserOn(second.client, alice), sameUserOn(second.client, bob)];
      const view = await pollUntil(
        () => alice2.call('GET', `/v1/reservations/${reservationId}`),
        (r) => r.body?.status === 'REFUNDED',
        8_000,
        100,
      );
      expect(view.body).toEqual(expect.objectContaining({ reservationId, status: 'REFUNDED', seatIds: asked }));
      const store = eventStoreOf(second);
      const allowance = `SeatAllowance-${concertId}.${alice.userId}`;
      await pollUntil(
        async () => eventTypes(await store.readStream(allowance)),
        (t) => t.includes('SeatsReturned'),
        8_000,
        100,
      );
      const head = await store.headPosition();
      const after = { 'x-min-position': String(head) };
      expect((await alice2.call('GET', '/v1/wallet', undefined, after)).body).toEqual({ balance: CHARGED });
      expect(seatIdsWith(await seatMap(bob2, scheduleId, head), 'AVAILABLE')).toEqual([...seatIds].sort());

      const wallet = eventTypes(await store.readStream(`Wallet-${alice.userId}`));
      expect(wallet.filter((t) => t === 'WalletRefunded')).toHaveLength(1);
      for (const seatId of asked) {
        expect(eventTypes(await store.readStream(`Seat-${seatId}`))).toEqual(['SeatHeld', 'SeatSold', 'SeatReleased']);
      }
      const reservation = eventTypes(await store.readStream(`Reservation-${reservationId}`));
      expect(reservation.filter((t) => t === 'RefundRequested')).toHaveLength(1);
      expect(reservation.filter((t) => t === 'ReservationRefunded')).toHaveLength(1);
      expect(eventTypes(await store.readStream(allowance))).toEqual(['SeatsGranted', 'SeatsReturned']);

      // Asking again credits nothing more.
      expectProblem(await alice2.call('POST', `/v1/reservations/${reservationId}/refund`), 409, 'ALREADY_REFUNDED');
      expect((await alice2.call('GET', '/v1/wallet')).body).toEqual({ balance: CHARGED });
    },
  );
});
