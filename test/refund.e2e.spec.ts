import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import {
  eventStoreOf,
  eventTypes,
  expectProblem,
  makeActive,
  positionOf,
  quickUsers,
  removeDataDirs,
  seatIdsWith,
  seatMap,
  tempDataDir,
} from './support/e2e';

/**
 * POST /v1/reservations/{id}/refund: the owner's refund of a paid reservation
 * until the concert's refund cutoff before the show; the seats are AVAILABLE
 * again, the wallet is credited once, the reservation reads REFUNDED.
 */
describe('refunds', () => {
  const PRICE = 1000;
  const CHARGED = 5000;
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp({ DATA_DIR: tempDataDir(), QUEUE_ACTIVE_CAPACITY: '100' });
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  async function paidReservation(settings: Record<string, unknown> = {}, seats = 2) {
    const concert = await running.client.createConcert(4, 1, PRICE, settings);
    const [alice, bob] = await quickUsers(running, 2, 'ref');
    await makeActive([alice, bob], concert.concertId);
    const { scheduleId, seatIds } = concert.schedules[0];
    const asked = seatIds.slice(0, seats);
    const held = await alice.hold(scheduleId, asked);
    expect(held.status).toBe(201);
    expect((await alice.charge(CHARGED)).status).toBe(200);
    expect((await alice.pay(held.body.reservationId)).status).toBe(201);
    return { concert, alice, bob, scheduleId, seatIds, asked, reservationId: held.body.reservationId as string };
  }

  const refund = (user: User, reservationId: string, key?: string) =>
    user.call('POST', `/v1/reservations/${reservationId}/refund`, undefined, key ? { 'idempotency-key': key } : {});

  it('refunds a paid reservation: seats AVAILABLE, wallet credited once, REFUNDED; a retry with the same key changes nothing', async () => {
    const { alice, bob, scheduleId, seatIds, asked, reservationId } = await paidReservation();
    const refunded = await refund(alice, reservationId, 'refund-1');
    expect(refunded.status).toBe(201);
    expect(refunded.body).toEqual({
      refundId: expect.any(String),
      reservationId,
      amount: 2 * PRICE,
      balance: CHARGED,
    });
    const after = { 'x-min-position': String(positionOf(refunded)) };
    expect((await alice.call('GET', `/v1/reservations/${reservationId}`, undefined, after)).body.status).toBe(
      'REFUNDED',
    );
    expect((await alice.call('GET', '/v1/wallet', undefined, after)).body).toEqual({ balance: CHARGED });
    expect(seatIdsWith(await seatMap(bob, scheduleId, positionOf(refunded)), 'AVAILABLE')).toEqual([...seatIds].sort());

    const again = await refund(alice, reservationId, 'refund-1');
    expect(again.status).toBe(201);
    expect(again.body.refundId).toBe(refunded.body.refundId);
    expectProblem(await refund(alice, reservationId, 'refund-2'), 409, 'ALREADY_REFUNDED');
    const store = eventStoreOf(running);
    const wallet = eventTypes(await store.readStream(`Wallet-${alice.userId}`));
    expect(wallet.filter((t) => t === 'WalletRefunded')).toHaveLength(1);
    for (const seatId of asked) {
      const seat = await store.readStream(`Seat-${seatId}`);
      expect(eventTypes(seat)).toEqual(['SeatHeld', 'SeatSold', 'SeatReleased']);
      expect(seat[2].data).toMatchObject({ reason: 'refunded', reservationId });
    }
    // The seats are for sale again.
    expect((await bob.hold(scheduleId, asked)).status).toBe(201);
  });

  it('refuses after the refund cutoff before the show (409 REFUND_WINDOW_CLOSED) and changes nothing', async () => {
    // The test schedules start in 2027; a cutoff of a year before them has passed.
    const { alice, reservationId } = await paidReservation({ refundCutoffHours: 8760 });
    expectProblem(await refund(alice, reservationId), 409, 'REFUND_WINDOW_CLOSED');
    expect((await alice.call('GET', '/v1/wallet')).body).toEqual({ balance: CHARGED - 2 * PRICE });
  });

  it('refuses a reservation that is not paid (409 RESERVATION_NOT_PAID) and another user’s (404)', async () => {
    const { concert, alice, bob, scheduleId, seatIds, reservationId } = await paidReservation();
    // Paying ended Alice's queue turn; she queues again for a second hold.
    await makeActive([alice], concert.concertId);
    const second = await alice.hold(scheduleId, [seatIds[3]]);
    expect(second.status).toBe(201);
    expectProblem(await refund(alice, second.body.reservationId), 409, 'RESERVATION_NOT_PAID');
    expectProblem(await refund(bob, reservationId), 404, 'RESERVATION_NOT_FOUND');
    expectProblem(await refund(alice, 'no-such-reservation'), 404, 'RESERVATION_NOT_FOUND');
  });

  it('gives the seats back to the user’s allowance on a concert with a seat limit', async () => {
    const { concert, alice, scheduleId, seatIds, reservationId } = await paidReservation({ maxSeatsPerUser: 2 });
    await makeActive([alice], concert.concertId);
    expectProblem(await alice.hold(scheduleId, [seatIds[2]]), 409, 'SEAT_LIMIT_REACHED');
    expect((await refund(alice, reservationId)).status).toBe(201);
    expect((await alice.hold(scheduleId, seatIds.slice(2, 4))).status).toBe(201);
  });

  it('is in the OpenAPI document', async () => {
    const { paths } = (await running.client.request('GET', '/docs/json')).body;
    expect(paths['/v1/reservations/{reservationId}/refund']?.post).toBeDefined();
  });
});
