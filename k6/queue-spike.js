// The old system's waiting-room scenario: ramp 10 -> PEAK_VUS VUs in 10 s, hold, ramp down in 10 s.
// Each iteration joins the queue (a user who is already in line gets the same token back),
// polls its status every second until ACTIVE, then reads the schedules and a seat map.
//
//   k6 run -e BASE_URL=... -e ADMIN_KEY=... k6/queue-spike.js                      (100 VUs)
//   k6 run -e BASE_URL=... -e ADMIN_KEY=... -e PEAK_VUS=1000 k6/queue-spike.js     (the 1,000-VU variant)
//
// With the default QUEUE_ACTIVE_CAPACITY=100 most of 1,000 users stay WAITING: they are the status load.
import { sleep } from 'k6';
import { createConcert, env, joinAndWaitActive, userOfVu, users, withToken } from './lib/api.js';
import { freeSeats, openSchedule } from './lib/purchase.js';

const PEAK = env('PEAK_VUS', 100);

export const options = {
  setupTimeout: '10m',
  scenarios: {
    spike: {
      executor: 'ramping-vus',
      startVUs: Math.min(10, PEAK),
      stages: [
        { duration: '10s', target: PEAK },
        { duration: __ENV.HOLD || '30s', target: PEAK },
        { duration: '10s', target: 0 },
      ],
    },
  },
  // Our target at 1,000 VUs: status p99 <= 20 ms and not one failure. (The old system: p95 234 ms at 100.)
  thresholds: {
    queue_status_latency: ['p(99)<=20'],
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
  },
};

export function setup() {
  const concert = createConcert('k6 queue spike', 1, env('SEATS', 100), 1000);
  return { concertId: concert.concertId, users: users(env('USERS', PEAK), 'spike') };
}

export default function (data) {
  const user = userOfVu(data);
  const queueToken = joinAndWaitActive(user, data.concertId, env('POLL_SECONDS', 1), 15);
  if (queueToken) {
    const headers = withToken(user, queueToken);
    const scheduleId = openSchedule(headers, data.concertId);
    if (scheduleId) freeSeats(headers, scheduleId);
  }
  sleep(1);
}
