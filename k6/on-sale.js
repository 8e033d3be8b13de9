// A whole on-sale. setup() signs up USERS users (plus an auditor), creates a concert whose opening is an hour
// away with an inflow limit (ADMIT_PER_MINUTE), charges every wallet for one seat, and joins every user to
// the queue: each join must answer PRE_QUEUE. Then the admin moves the opening to OPEN_IN_SECONDS from now
// (PATCH /v1/admin/concerts/{id}); the admission leader shuffles the pre-queue and admits at the limit.
// Each VU owns every VUS-th user and polls their status once a second; an ACTIVE user reads the schedules
// and a seat map, holds a seat, pays, and every REFUND_EVERY-th buyer of a VU refunds. There are fewer
// seats (2 x SEATS) than users, so most find it sold out. teardown() checks that no seat was sold twice:
// the money kept (charged minus balance, over every wallet) equals the seats sold times their price.
//
//   k6 run -e BASE_URL=... -e ADMIN_KEY=... -e USERS=10000 -e VUS=200 k6/on-sale.js
//
// The service needs QUEUE_ACTIVE_CAPACITY >= USERS + 1: only the inflow limit paces admission here.
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { BASE, auth, call, env, step, users, withToken } from './lib/api.js';
import { charge, freeSeats, holdOneOf, pay } from './lib/purchase.js';

const USERS = env('USERS', 10000);
const VUS = env('VUS', 200);
const SEATS = env('SEATS', 1000);
const ADMIT_PER_MINUTE = env('ADMIT_PER_MINUTE', Math.max(600, USERS * 3));
const OPEN_IN_SECONDS = env('OPEN_IN_SECONDS', 5);
const REFUND_EVERY = env('REFUND_EVERY', 10);
const ADMIN_KEY = __ENV.ADMIN_KEY || 'change-me-admin-key';
const PRICE = 1000;
const SCHEDULES = 2;

const JOIN = step('pre_queue_join');
const STATUS = step('queue_status');
const SCHEDULES_STEP = step('schedules_left');
const REFUND = step('refund');
const ADMIN = step('admin');

export const options = {
  setupTimeout: '30m',
  scenarios: { on_sale: { executor: 'constant-vus', vus: VUS, duration: __ENV.DURATION || '2m' } },
  thresholds: {
    pre_queue_join_latency: ['p(99)<=100'],
    queue_status_latency: ['p(99)<=50'],
    hold_latency: ['p(99)<=100'],
    http_req_failed: ['rate==0'],
    // Includes every join's PRE_QUEUE and teardown's "no seat sold twice".
    checks: ['rate==1'],
  },
};

const admin = { headers: { 'x-admin-key': ADMIN_KEY } };

export function setup() {
  const created = call(
    ADMIN,
    'POST',
    `${BASE}/v1/admin/concerts`,
    {
      title: 'k6 on-sale',
      onSaleAt: new Date(Date.now() + 3600 * 1000).toISOString(),
      admitPerMinute: ADMIT_PER_MINUTE,
      schedules: Array.from({ length: SCHEDULES }, (_, s) => ({
        startsAt: new Date(Date.UTC(2030, 0, 1 + s, 19)).toISOString(),
        seats: Array.from({ length: SEATS }, (_, i) => ({ seatNo: i + 1, price: PRICE })),
      })),
    },
    admin,
  );
  if (created.status !== 201) fail(`creating the concert: ${created.status} ${created.body}`);
  const concertId = created.json('concertId');
  const all = users(USERS + 1, 'onsale');
  const buyers = all.slice(0, USERS);
  for (const user of buyers) {
    if (charge(user, PRICE, 'funds').status !== 200) fail('charging a wallet');
    const joined = call(JOIN, 'POST', `${BASE}/v1/concerts/${concertId}/queue`, undefined, { headers: auth(user) });
    check(joined, {
      'join before the opening is PRE_QUEUE': (r) => r.status === 201 && r.json('status') === 'PRE_QUEUE',
    });
    user.queueToken = joined.json('queueToken');
  }
  const opensAt = new Date(Date.now() + OPEN_IN_SECONDS * 1000).toISOString();
  const moved = call(ADMIN, 'PATCH', `${BASE}/v1/admin/concerts/${concertId}`, { onSaleAt: opensAt }, admin);
  if (moved.status !== 200) fail(`moving the opening: ${moved.status} ${moved.body}`);
  return { concertId, users: buyers, auditor: all[USERS] };
}

let pending = null;
let bought = 0;

export default function (data) {
  pending ??= data.users.filter((_, i) => i % VUS === __VU - 1);
  for (const user of [...pending]) {
    const headers = withToken(user, user.queueToken);
    const res = call(STATUS, 'GET', `${BASE}/v1/queue/status`, undefined, { headers });
    if (res.status !== 200 || res.json('status') !== 'ACTIVE') continue;
    pending.splice(pending.indexOf(user), 1);
    buy(data, user, headers);
  }
  sleep(1);
}

function buy(data, user, headers) {
  const schedules = call(SCHEDULES_STEP, 'GET', `${BASE}/v1/concerts/${data.concertId}/schedules`, undefined, {
    headers,
  });
  const open = schedules.status === 200 ? schedules.json().filter((s) => s.availableSeats > 0) : [];
  if (open.length === 0) return;
  const { scheduleId } = open[Math.floor(Math.random() * open.length)];
  const held = holdOneOf(headers, scheduleId, freeSeats(headers, scheduleId));
  if (!held || pay(headers, held.reservationId).status !== 201) return;
  bought += 1;
  if (bought % REFUND_EVERY !== 0) return;
  call(REFUND, 'POST', `${BASE}/v1/reservations/${held.reservationId}/refund`, undefined, {
    headers: { ...auth(user), 'idempotency-key': `refund-${held.reservationId}` },
  });
}

export function teardown(data) {
  const auditor = data.auditor;
  const joined = call(ADMIN, 'POST', `${BASE}/v1/concerts/${data.concertId}/queue`, undefined, {
    headers: auth(auditor),
  });
  const headers = withToken(auditor, joined.json('queueToken'));
  for (let poll = 0; ; poll++) {
    const res = http.get(`${BASE}/v1/queue/status`, { headers, tags: { name: 'audit' } });
    if (res.json('status') === 'ACTIVE') break;
    if (poll === 100) fail(`the auditor was never admitted: ${res.body}`);
    sleep(0.2);
  }
  // Read models follow the log: allow them a moment to agree.
  for (let attempt = 1; ; attempt++) {
    let sold = 0;
    const schedules = http.get(`${BASE}/v1/concerts/${data.concertId}/schedules`, { headers, tags: { name: 'audit' } });
    for (const { scheduleId } of schedules.json()) {
      const seats = http.get(`${BASE}/v1/schedules/${scheduleId}/seats`, { headers, tags: { name: 'audit' } }).json();
      sold += seats.filter((s) => s.status === 'SOLD').length;
    }
    let kept = 0;
    for (let i = 0; i < data.users.length; i += 100) {
      const wallets = http.batch(
        data.users
          .slice(i, i + 100)
          .map((u) => ['GET', `${BASE}/v1/wallet`, null, { headers: auth(u), tags: { name: 'audit' } }]),
      );
      kept += wallets.reduce((sum, res) => sum + (PRICE - res.json('balance')), 0);
    }
    const paidSeats = kept / PRICE;
    if (paidSeats === sold || attempt === 10) {
      console.log(`on-sale: ${sold} of ${SCHEDULES * SEATS} seats sold, ${paidSeats} paid for`);
      if (!check({ sold, paidSeats }, { 'no seat sold twice': (r) => r.paidSeats === r.sold })) {
        fail(`${paidSeats} seats paid for but ${sold} sold`);
      }
      return;
    }
    sleep(0.5);
  }
}
