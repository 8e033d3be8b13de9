// A steady mix for 30 minutes (VUS users, one second of think time between actions):
//   60 % browse (concert list, schedules, a seat map), 25 % buy (hold, charge, pay),
//   10 % abandon (hold, then cancel), 5 % broke (hold, pay from an empty wallet: a 402, then cancel).
// Flat latency and memory over the whole run is the point; watch them in Grafana.
//
//   k6 run -e BASE_URL=... -e ADMIN_KEY=... -e VUS=50 k6/soak.js
//
// The service needs QUEUE_ACTIVE_CAPACITY >= VUS; CONCERTS x SCHEDULES x SEATS must outlast the purchases.
import { sleep } from 'k6';
import { BASE, createConcert, env, joinAndWaitActive, step, call, userOfVu, users, withToken } from './lib/api.js';
import { cancel, charge, freeSeats, holdOneOf, openSchedule, pay } from './lib/purchase.js';

const VUS = env('VUS', 50);

export const options = {
  setupTimeout: '10m',
  scenarios: { soak: { executor: 'constant-vus', vus: VUS, duration: __ENV.DURATION || '30m' } },
  thresholds: {
    hold_latency: ['p(95)<=50'],
    seats_latency: ['p(95)<=50'],
    queue_status_latency: ['p(99)<=20'],
    http_req_failed: ['rate<0.001'],
    checks: ['rate>0.999'],
  },
};

const CONCERTS_STEP = step('concerts');

export function setup() {
  const concert = createConcert('k6 soak', env('SCHEDULES', 200), env('SEATS', 100), 1000);
  return { concertId: concert.concertId, users: users(env('USERS', VUS), 'soak') };
}

let queueToken = null;

export default function (data) {
  const user = userOfVu(data);
  if (!queueToken) queueToken = joinAndWaitActive(user, data.concertId, 0.2, 300);
  if (!queueToken) return;
  const headers = withToken(user, queueToken);
  const roll = env('ACTION', Math.random() * 100);

  const scheduleId = openSchedule(headers, data.concertId);
  if (!scheduleId) {
    // 403: the token outlived QUEUE_ACTIVE_TTL_SECONDS without a purchase; join again.
    queueToken = null;
    return;
  }
  if (roll < 60) {
    call(CONCERTS_STEP, 'GET', `${BASE}/v1/concerts`);
    freeSeats(headers, scheduleId);
  } else {
    const held = holdOneOf(headers, scheduleId, freeSeats(headers, scheduleId));
    if (held && roll < 85) {
      charge(user, held.amount, `charge-${held.reservationId}`);
      // A completed payment makes the queue token DONE.
      if (pay(headers, held.reservationId).status === 201) queueToken = null;
    } else if (held && roll < 95) {
      cancel(user, held.reservationId);
    } else if (held) {
      pay(headers, held.reservationId, 402);
      cancel(user, held.reservationId);
    }
  }
  sleep(env('THINK_SECONDS', 1));
}
