// k6 run -e BASE_URL=http://localhost:3000 -e CONCERT_ID=... k6/purchase-flow.js
// The seeded write-ups' flow: sign up, log in, queue until ACTIVE, charge, hold one seat, pay.
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  scenarios: {
    rush: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '30s', target: 100 },
        { duration: '1m', target: 100 },
      ],
    },
  },
  thresholds: { http_req_failed: ['rate<0.01'], 'http_req_duration{step:hold}': ['p(95)<200'] },
};

const BASE = __ENV.BASE_URL || 'http://localhost:3000';
const CONCERT = __ENV.CONCERT_ID;
const json = { 'content-type': 'application/json' };

export default function () {
  const username = `k6_${__VU}_${__ITER}_${Date.now() % 100000}`;
  const credentials = JSON.stringify({ username, password: 'k6-password-1' });
  http.post(`${BASE}/v1/auth/signup`, credentials, { headers: json });
  const token = http.post(`${BASE}/v1/auth/login`, credentials, { headers: json }).json('accessToken');
  const auth = { ...json, authorization: `Bearer ${token}` };

  const queueToken = http.post(`${BASE}/v1/concerts/${CONCERT}/queue`, null, { headers: auth }).json('queueToken');
  const withQueue = { ...auth, 'x-queue-token': queueToken };
  for (let i = 0; i < 120; i++) {
    if (http.get(`${BASE}/v1/queue/status`, { headers: withQueue }).json('status') === 'ACTIVE') break;
    sleep(1);
  }
  http.post(`${BASE}/v1/wallet/charge`, JSON.stringify({ amount: 200000 }), { headers: auth });
  const schedule = http.get(`${BASE}/v1/concerts/${CONCERT}/schedules`, { headers: withQueue }).json('0.scheduleId');
  const seats = http.get(`${BASE}/v1/schedules/${schedule}/seats`, { headers: withQueue }).json();
  const free = (seats || []).filter((s) => s.status === 'AVAILABLE');
  if (free.length === 0) return;
  const seat = free[Math.floor(Math.random() * free.length)].seatId;
  const hold = http.post(`${BASE}/v1/reservations`, JSON.stringify({ scheduleId: schedule, seatIds: [seat] }), {
    headers: withQueue,
    tags: { step: 'hold' },
  });
  check(hold, { 'held or taken': (r) => r.status === 201 || r.status === 409 });
  if (hold.status !== 201) return;
  const paid = http.post(`${BASE}/v1/payments`, JSON.stringify({ reservationId: hold.json('reservationId') }), {
    headers: { ...withQueue, 'idempotency-key': `pay-${username}` },
  });
  check(paid, { paid: (r) => r.status === 201 });
}
