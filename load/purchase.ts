import { auth, pick, User } from './api';
import { Vu } from './vus';

/** The steps of buying a seat, shared by the journey, hot-seats and the soak mix (as k6/lib/purchase.js). */
type Headers = Record<string, string>;
export type Held = { reservationId: string; amount: number };

/** A schedule of the concert with seats left, or null after a failed read. */
export async function openSchedule(vu: Vu, headers: Headers, concertId: string): Promise<string | null> {
  const answer = await vu.http.call('schedules', 'GET', `/v1/concerts/${concertId}/schedules`, { headers });
  if (answer.status !== 200) return null;
  const open = answer.json<{ scheduleId: string; availableSeats: number }[]>().filter((s) => s.availableSeats > 0);
  if (open.length === 0) throw new Error('sold out: give the run more seats (--seats)');
  return pick(open).scheduleId;
}

export async function freeSeats(vu: Vu, headers: Headers, scheduleId: string): Promise<string[]> {
  const answer = await vu.http.call('seats', 'GET', `/v1/schedules/${scheduleId}/seats`, { headers });
  if (answer.status !== 200) return [];
  return answer
    .json<{ seatId: string; status: string }[]>()
    .filter((s) => s.status === 'AVAILABLE')
    .map((s) => s.seatId);
}

/** A hold; a 409 (someone was faster) is an expected answer. */
export function hold(vu: Vu, headers: Headers, scheduleId: string, seatIds: string[]) {
  return vu.http.call('hold', 'POST', '/v1/reservations', { headers, body: { scheduleId, seatIds }, expect: [409] });
}

/** Holds one of `free`, trying another seat after a 409. */
export async function holdOneOf(vu: Vu, headers: Headers, scheduleId: string, free: string[]): Promise<Held | null> {
  for (let i = 0; i < 3 && free.length > 0; i++) {
    const seatId = free.splice(Math.floor(Math.random() * free.length), 1)[0];
    const answer = await hold(vu, headers, scheduleId, [seatId]);
    if (answer.status === 201) return answer.json<Held>();
  }
  return null;
}

export function charge(vu: Vu, user: User, amount: number, key: string) {
  return vu.http.call('charge', 'POST', '/v1/wallet/charge', {
    headers: { ...auth(user), 'idempotency-key': key },
    body: { amount },
  });
}

/** Pays a hold; 402 and 409 are answers this step expects (an empty wallet, a lost or expired hold). */
export function pay(vu: Vu, headers: Headers, reservationId: string) {
  return vu.http.call('pay', 'POST', '/v1/payments', {
    headers: { ...headers, 'idempotency-key': `pay-${reservationId}` },
    body: { reservationId },
    expect: [402, 409],
  });
}

export function cancel(vu: Vu, user: User, reservationId: string) {
  return vu.http.call('cancel', 'DELETE', `/v1/reservations/${reservationId}`, { headers: auth(user) });
}
