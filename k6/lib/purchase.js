// The steps of buying a seat, shared by the journey and the soak mix.
import { BASE, HOLD_EXPECTED, PAY_EXPECTED, auth, call, pick, step } from './api.js';

const SCHEDULES = step('schedules');
const SEATS = step('seats');
const HOLD = step('hold');
const CHARGE = step('charge');
const PAY = step('pay');
const CANCEL = step('cancel');

/** A schedule of the concert with seats left, or null (a failed read or a sold-out concert). */
export function openSchedule(headers, concertId) {
  const res = call(SCHEDULES, 'GET', `${BASE}/v1/concerts/${concertId}/schedules`, undefined, { headers });
  if (res.status !== 200) return null;
  const open = res.json().filter((s) => s.availableSeats > 0);
  if (open.length === 0) throw new Error('sold out: give the run more seats (CONCERTS, SCHEDULES, SEATS)');
  return pick(open).scheduleId;
}

/** The seat ids still AVAILABLE in the seat map. */
export function freeSeats(headers, scheduleId) {
  const res = call(SEATS, 'GET', `${BASE}/v1/schedules/${scheduleId}/seats`, undefined, { headers });
  if (res.status !== 200) return [];
  return res
    .json()
    .filter((s) => s.status === 'AVAILABLE')
    .map((s) => s.seatId);
}

/** Holds `seatIds`; a 409 (someone was faster) is an expected answer. */
export function hold(headers, scheduleId, seatIds) {
  return call(
    HOLD,
    'POST',
    `${BASE}/v1/reservations`,
    { scheduleId, seatIds },
    { headers, responseCallback: HOLD_EXPECTED },
    (r) => r.status === 201 || r.status === 409,
  );
}

/**
 * Holds one of `free`, trying another seat after a 409 (another buyer took it
 * between our seat map and our hold). Returns the 201 body or null.
 */
export function holdOneOf(headers, scheduleId, free, attempts = 3) {
  for (let i = 0; i < attempts && free.length > 0; i++) {
    const seatId = free.splice(Math.floor(Math.random() * free.length), 1)[0];
    const res = hold(headers, scheduleId, [seatId]);
    if (res.status === 201) return res.json();
  }
  return null;
}

export function charge(user, amount, key) {
  return call(
    CHARGE,
    'POST',
    `${BASE}/v1/wallet/charge`,
    { amount },
    { headers: { ...auth(user), 'idempotency-key': key } },
  );
}

/** Pays a hold; `expect` is the status this caller wants (201, or 402 for an empty wallet). */
export function pay(headers, reservationId, expect = 201) {
  return call(
    PAY,
    'POST',
    `${BASE}/v1/payments`,
    { reservationId },
    { headers: { ...headers, 'idempotency-key': `pay-${reservationId}-${expect}` }, responseCallback: PAY_EXPECTED },
    (r) => r.status === expect,
  );
}

export function cancel(user, reservationId) {
  return call(CANCEL, 'DELETE', `${BASE}/v1/reservations/${reservationId}`, undefined, { headers: auth(user) });
}
