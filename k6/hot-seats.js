// Many VUs racing for a few seats with overlapping multi-seat holds. Each iteration holds 2-4
// adjacent seats of one small schedule; a winner pays on every PAY_EVERY-th iteration and cancels
// otherwise, so seats keep changing hands until they are sold. teardown() then checks that no seat
// was sold twice: the money taken from all wallets must equal the seats sold times their price.
//
//   k6 run -e BASE_URL=... -e ADMIN_KEY=... -e VUS=50 -e SEATS=20 k6/hot-seats.js
//
// The service needs QUEUE_ACTIVE_CAPACITY > VUS (the auditor in teardown joins too).
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { BASE, auth, createConcert, env, joinAndWaitActive, userOfVu, users, withToken } from './lib/api.js';
import { cancel, charge, hold, pay } from './lib/purchase.js';

const VUS = env('VUS', 50);
const SEATS = env('SEATS', 20);
const PAY_EVERY = env('PAY_EVERY', 10);
const PRICE = 1000;
// Enough for every seat, so a refused payment can only mean a lost race.
const BUDGET = SEATS * PRICE;

export const options = {
  setupTimeout: '10m',
  scenarios: { race: { executor: 'constant-vus', vus: VUS, duration: __ENV.DURATION || '30s' } },
  thresholds: {
    hold_latency: ['p(95)<=50'],
    http_req_failed: ['rate==0'],
    // Includes teardown's "no seat sold twice".
    checks: ['rate==1'],
  },
};

export function setup() {
  const concert = createConcert('k6 hot seats', 1, SEATS, PRICE);
  // One user per VU, and the auditor last.
  const all = users(VUS + 1, 'hot');
  for (let i = 0; i < all.length; i += 50) {
    const charges = http.batch(
      all.slice(i, i + 50).map((u) => [
        'POST',
        `${BASE}/v1/wallet/charge`,
        JSON.stringify({ amount: BUDGET }),
        {
          headers: { ...auth(u), 'content-type': 'application/json', 'idempotency-key': 'budget' },
          tags: { name: 'admin' },
        },
      ]),
    );
    for (const res of charges) if (res.status !== 200) fail(`charging a budget: ${res.status} ${res.body}`);
  }
  return {
    concertId: concert.concertId,
    scheduleId: concert.schedules[0].scheduleId,
    users: all.slice(0, VUS),
    auditor: all[VUS],
  };
}

let queueToken = null;

export default function (data) {
  const user = userOfVu(data);
  if (!queueToken) queueToken = joinAndWaitActive(user, data.concertId, 0.05, 200);
  if (!queueToken) return;
  const headers = withToken(user, queueToken);
  const size = 2 + Math.floor(Math.random() * 3);
  const first = 1 + Math.floor(Math.random() * (SEATS - size + 1));
  const seatIds = Array.from({ length: size }, (_, i) => `${data.scheduleId}.${first + i}`);
  const held = hold(headers, data.scheduleId, seatIds);
  if (held.status === 403) queueToken = null;
  if (held.status !== 201) return;
  const { reservationId } = held.json();
  if (__ITER % PAY_EVERY === 0) {
    // A completed payment makes the queue token DONE: the next iteration joins again.
    if (pay(headers, reservationId).status === 201) queueToken = null;
  } else {
    cancel(user, reservationId);
  }
}

export function teardown(data) {
  const queueToken = joinAndWaitActive(data.auditor, data.concertId, 0.2, 150);
  if (!queueToken) fail('the auditor never became ACTIVE: is QUEUE_ACTIVE_CAPACITY > VUS?');
  const headers = withToken(data.auditor, queueToken);
  // Read models follow the log: allow them a moment to agree.
  for (let attempt = 1; ; attempt++) {
    const seats = http
      .get(`${BASE}/v1/schedules/${data.scheduleId}/seats`, { headers, tags: { name: 'audit' } })
      .json();
    const sold = seats.filter((s) => s.status === 'SOLD').length;
    const wallets = http.batch(
      data.users.map((u) => ['GET', `${BASE}/v1/wallet`, null, { headers: auth(u), tags: { name: 'audit' } }]),
    );
    const paidSeats = wallets.reduce((sum, res) => sum + (BUDGET - res.json('balance')), 0) / PRICE;
    if (paidSeats === sold || attempt === 10) {
      console.log(`hot seats: ${sold} of ${SEATS} seats sold, ${paidSeats} paid for`);
      if (!check({ sold, paidSeats }, { 'no seat sold twice': (r) => r.paidSeats === r.sold })) {
        fail(`${paidSeats} seats paid for but ${sold} sold`);
      }
      return;
    }
    sleep(0.5);
  }
}
