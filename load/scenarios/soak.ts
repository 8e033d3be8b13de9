import { createConcert, createUsers, joinAndWaitActive, User, withToken } from '../api';
import { cancel, charge, freeSeats, holdOneOf, openSchedule, pay } from '../purchase';
import { Scenario } from '../scenario';

type Data = { concertId: string; users: User[] };

/**
 * k6/soak.js: a steady mix (one second of think time between actions) of
 * 60 % browse, 25 % buy, 10 % hold then cancel, 5 % pay from an empty wallet
 * (a 402) then cancel. Holds last 60 s here, so one a VU left behind when the
 * run stopped frees its seat soon.
 */
export const soak: Scenario<Data> = {
  name: 'soak',
  about: 'a steady mix of browsing, buying, abandoned holds and refused payments (default 30 min)',
  defaults: { vus: 50, duration: 1800 },
  serviceEnv: (o) => ({ QUEUE_ACTIVE_CAPACITY: String(o.vus), HOLD_TTL_SECONDS: '60' }),
  stages: (o) => ({ startVus: o.vus, stages: [{ seconds: o.duration, target: o.vus }] }),
  async setup({ http, adminKey, progress }, o) {
    // About a quarter of the VUs buy a seat a second.
    const schedules = Math.max(2, Math.ceil((o.seats ?? (o.vus * o.duration) / 3) / 100));
    const concert = await createConcert(http, adminKey, 'soak', schedules, 100, 1000);
    progress(`signing up and logging in ${o.vus} users`);
    const users = await createUsers(http, o.vus, 'soak', (n) => progress(`${n}/${o.vus} users`));
    return { concertId: concert.concertId, users };
  },
  async iterate(vu, { concertId, users }) {
    const user = users[(vu.id - 1) % users.length];
    let queueToken = vu.state.queueToken as string | null | undefined;
    if (!queueToken) queueToken = vu.state.queueToken = await joinAndWaitActive(vu, user, concertId, 0.2, 300);
    if (!queueToken) return;
    const headers = withToken(user, queueToken);
    const roll = Math.random() * 100;
    const scheduleId = await openSchedule(vu, headers, concertId);
    if (!scheduleId) {
      // The token outlived QUEUE_ACTIVE_TTL_SECONDS without a purchase: join again.
      vu.state.queueToken = null;
      return;
    }
    if (roll < 60) {
      await vu.http.call('concerts', 'GET', '/v1/concerts');
      await freeSeats(vu, headers, scheduleId);
    } else {
      const held = await holdOneOf(vu, headers, scheduleId, await freeSeats(vu, headers, scheduleId));
      if (held && roll < 85) {
        await charge(vu, user, held.amount, `charge-${held.reservationId}`);
        if ((await pay(vu, headers, held.reservationId)).status === 201) vu.state.queueToken = null;
      } else if (held) {
        if (roll >= 95) await pay(vu, headers, held.reservationId);
        await cancel(vu, user, held.reservationId);
      }
    }
    await vu.sleep(1);
  },
  thresholds: () => [
    { step: 'hold', stat: 'p95', max: 50 },
    { step: 'seats', stat: 'p95', max: 50 },
    { step: 'queue_status', stat: 'p99', max: 20 },
    { stat: 'failures', max: 0 },
  ],
};
