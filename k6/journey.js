// The buyer's whole journey, one purchase per iteration:
//   join the waiting room -> wait until ACTIVE -> schedules -> seats -> hold one seat -> charge -> pay.
// Each VU is one user, logged in once in setup(); every step has a Trend and a Counter.
//
//   k6 run -e BASE_URL=http://localhost:3000 -e ADMIN_KEY=... -e VUS=50 -e DURATION=1m k6/journey.js
//
// The service needs QUEUE_ACTIVE_CAPACITY >= VUS / CONCERTS, or buyers wait in line (which is then what you measure).
import { sleep } from 'k6';
import { createConcert, done, env, joinAndWaitActive, step, userOfVu, users, withToken } from './lib/api.js';
import { charge, freeSeats, holdOneOf, openSchedule, pay } from './lib/purchase.js';

const VUS = env('VUS', 50);
const CONCERTS = env('CONCERTS', Math.ceil(VUS / 50));
// Small schedules keep each seat map short; CONCERTS x SCHEDULES x SEATS must outlast the run.
const SCHEDULES = env('SCHEDULES', 40);
const SEATS = env('SEATS', 100);
const POLL_SECONDS = env('POLL_SECONDS', 0.1);
// A buyer's pace: a VU starts a journey at most once every PACE_SECONDS, so 500 VUs offer 500 journeys/s.
const PACE_SECONDS = env('PACE_SECONDS', 1);
const MANY = VUS > 50;

export const options = {
  setupTimeout: '10m',
  scenarios: { journey: { executor: 'constant-vus', vus: VUS, duration: __ENV.DURATION || '1m' } },
  // Our targets: 50 VUs hold p95 <= 10 ms; 500 VUs hold p95 <= 50 ms at >= 500 journeys/s.
  // (The old system: 15-20 journeys/s at 50 users, hold p95 327 ms.)
  thresholds: {
    hold_latency: [`p(95)<=${MANY ? 50 : 10}`],
    journey_success: [`rate>=${MANY ? 500 : 20}`],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

const JOURNEY = step('journey');

export function setup() {
  const concerts = Array.from(
    { length: CONCERTS },
    (_, i) => createConcert(`k6 journey ${i + 1}`, SCHEDULES, SEATS, 1000).concertId,
  );
  return { concerts, users: users(env('USERS', VUS), 'journey') };
}

export default function (data) {
  // Buyers admitted together do not click in the same millisecond: each VU starts at its own point
  // of the pace, so N VUs offer N journeys/s spread over the second instead of one burst a second.
  if (__ITER === 0) sleep(Math.random() * PACE_SECONDS);
  const started = Date.now();
  journey(data, started);
  sleep(Math.max(0, PACE_SECONDS - (Date.now() - started) / 1000));
}

function journey(data, started) {
  const user = userOfVu(data);
  const concertId = data.concerts[(__VU - 1) % data.concerts.length];
  const queueToken = joinAndWaitActive(user, concertId, POLL_SECONDS, 600);
  if (!queueToken) return;
  const headers = withToken(user, queueToken);
  const scheduleId = openSchedule(headers, concertId);
  if (!scheduleId) return;
  const held = holdOneOf(headers, scheduleId, freeSeats(headers, scheduleId));
  if (!held) return;
  if (charge(user, held.amount, `charge-${held.reservationId}`).status !== 200) return;
  if (pay(headers, held.reservationId).status === 201) done(JOURNEY, Date.now() - started);
}
