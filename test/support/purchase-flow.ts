import { Client } from './client';

/**
 * The whole purchase flow as a client sees it: signs up, queues, holds,
 * charges and pays; seats end SOLD and the token DONE. Run against the
 * embedded service and against production instances behind one client.
 */
export async function purchaseFlowCheck(client: Client): Promise<void> {
  const concert = await client.createConcert(10);
  const { scheduleId, seatIds } = concert.schedules[0];
  const listed = await client.request('GET', '/v1/concerts');
  expect(listed.body).toEqual(expect.arrayContaining([expect.objectContaining({ concertId: concert.concertId })]));

  const user = await client.user();
  const joined = await user.join(concert.concertId);
  expect(joined.status).toBe(201);
  expect(joined.body.queueToken).toEqual(expect.any(String));
  expect(Number(joined.headers.get('x-event-position'))).toBeGreaterThan(0);
  const again = await user.join(concert.concertId);
  expect(again.status).toBe(200);
  expect(again.body.queueToken).toBe(joined.body.queueToken);
  await user.joinAndWaitActive(concert.concertId);

  const schedules = await user.call('GET', `/v1/concerts/${concert.concertId}/schedules`);
  expect(schedules.status).toBe(200);
  expect(schedules.body).toEqual([expect.objectContaining({ scheduleId, availableSeats: 10, totalSeats: 10 })]);

  const hold = await user.hold(scheduleId, seatIds.slice(0, 2));
  expect(hold.status).toBe(201);
  expect(hold.body).toEqual({
    reservationId: expect.any(String),
    scheduleId,
    seatIds: seatIds.slice(0, 2),
    amount: 2000,
    expiresAt: expect.any(String),
  });
  const position = hold.headers.get('x-event-position')!;
  const seats = await user.call('GET', `/v1/schedules/${scheduleId}/seats`, undefined, {
    'x-min-position': position,
  });
  expect(
    seats.body.filter((s: { status: string }) => s.status === 'HELD').map((s: { seatId: string }) => s.seatId),
  ).toEqual(seatIds.slice(0, 2));

  const poor = await user.pay(hold.body.reservationId);
  expect(poor.status).toBe(402);
  expect(poor.body.code).toBe('INSUFFICIENT_BALANCE');

  expect((await user.charge(5000)).body).toEqual({ balance: 5000 });
  const paid = await user.pay(hold.body.reservationId);
  expect(paid.status).toBe(201);
  expect(paid.body).toEqual({
    paymentId: expect.any(String),
    reservationId: hold.body.reservationId,
    amount: 2000,
    balance: 3000,
  });

  const after = { 'x-min-position': paid.headers.get('x-event-position')! };
  expect((await user.call('GET', `/v1/reservations/${hold.body.reservationId}`, undefined, after)).body.status).toBe(
    'PAID',
  );
  expect((await user.call('GET', '/v1/wallet', undefined, after)).body).toEqual({ balance: 3000 });
  expect((await user.status()).body.status).toBe('DONE');
  const again2 = await user.pay(hold.body.reservationId);
  expect(again2.body.code).toBe('ALREADY_PAID');
}
