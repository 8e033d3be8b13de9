import { createConcert, createUsers, joinAndWaitActive, User, withToken } from '../api';
import { freeSeats, openSchedule } from '../purchase';
import { Scenario } from '../scenario';

type Data = { concertId: string; users: User[] };

/**
 * k6/queue-spike.js, the old system's scenario: 10 -> VUs in 10 s, hold for
 * --duration, down in 10 s. Each iteration joins (a user in line gets the same
 * token back), polls the status every second until ACTIVE (15 polls at most),
 * then reads the schedules and a seat map, and rests a second. The service
 * keeps its default capacity of 100, so at 1,000 VUs most users wait and poll.
 */
export const queueSpike: Scenario<Data> = {
  name: 'queue-spike',
  about: 'ramping VUs joining and polling the waiting room (10 -> VUs in 10 s, hold, down in 10 s)',
  defaults: { vus: 100, duration: 30 },
  serviceEnv: () => ({ QUEUE_ACTIVE_CAPACITY: '100' }),
  stages: (o) => ({
    startVus: Math.min(10, o.vus),
    stages: [
      { seconds: 10, target: o.vus },
      { seconds: o.duration, target: o.vus },
      { seconds: 10, target: 0 },
    ],
  }),
  async setup({ http, adminKey, progress }, o) {
    const concert = await createConcert(http, adminKey, 'queue spike', 1, 100, 1000);
    progress(`signing up and logging in ${o.vus} users`);
    const users = await createUsers(http, o.vus, 'spike', (n) => progress(`${n}/${o.vus} users`));
    return { concertId: concert.concertId, users };
  },
  async iterate(vu, { concertId, users }) {
    const user = users[(vu.id - 1) % users.length];
    const queueToken = await joinAndWaitActive(vu, user, concertId, 1, 15);
    if (queueToken) {
      const headers = withToken(user, queueToken);
      const scheduleId = await openSchedule(vu, headers, concertId);
      if (scheduleId) await freeSeats(vu, headers, scheduleId);
    }
    await vu.sleep(1);
  },
  thresholds: () => [
    { step: 'queue_status', stat: 'p99', max: 20 },
    { stat: 'failures', max: 0 },
  ],
};
