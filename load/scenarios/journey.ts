import { createConcert, createUsers, joinAndWaitActive, User, withToken } from '../api';
import { charge, freeSeats, holdOneOf, openSchedule, pay } from '../purchase';
import { Scenario } from '../scenario';

type Data = { concerts: string[]; users: User[] };

const SEATS_PER_SCHEDULE = 100;
const SCHEDULES_PER_CONCERT = 40;
/** More than any run here sells in a second, so a run never sells out. */
const SEATS_PER_SECOND = 800;
/** A buyer's pace: a VU starts a journey at most once a second, so N VUs offer N journeys/s. */
const PACE_SECONDS = 1;

/**
 * k6/journey.js: one purchase per iteration, from joining the waiting room to
 * paying, at most one a second per VU. VUs are spread over concerts of 40 schedules x 100 seats, so seat
 * maps and schedule lists stay the size a buyer sees; every concert admits all
 * of its VUs at once (QUEUE_ACTIVE_CAPACITY = VUs).
 */
export const journey: Scenario<Data> = {
  name: 'journey',
  about: 'join -> wait until ACTIVE -> schedules -> seats -> hold -> charge -> pay, one purchase per iteration',
  defaults: { vus: 50, duration: 60 },
  serviceEnv: (o) => ({ QUEUE_ACTIVE_CAPACITY: String(o.vus) }),
  stages: (o) => ({ startVus: o.vus, stages: [{ seconds: o.duration, target: o.vus }] }),
  async setup({ http, adminKey, progress }, o) {
    const seats = o.seats ?? Math.max(2_000, o.duration * SEATS_PER_SECOND);
    const count = Math.max(Math.ceil(o.vus / 50), Math.ceil(seats / (SEATS_PER_SCHEDULE * SCHEDULES_PER_CONCERT)));
    const schedules = Math.ceil(seats / count / SEATS_PER_SCHEDULE);
    progress(`creating ${count} concerts of ${schedules} x ${SEATS_PER_SCHEDULE} seats`);
    const concerts: string[] = [];
    for (let i = 0; i < count; i++) {
      concerts.push(
        (await createConcert(http, adminKey, `journey ${i + 1}`, schedules, SEATS_PER_SCHEDULE, 1000)).concertId,
      );
    }
    progress(`signing up and logging in ${o.vus} users`);
    const users = await createUsers(http, o.vus, 'journey', (n) => progress(`${n}/${o.vus} users`));
    return { concerts, users };
  },
  async iterate(vu, { concerts, users }) {
    // As k6/journey.js: each VU starts at its own point of the pace, so N VUs offer N journeys/s
    // spread over the second; all starting together kept them in lockstep, one burst a second.
    if (vu.iteration === 0) await vu.sleep(Math.random() * PACE_SECONDS);
    const started = performance.now();
    const user = users[(vu.id - 1) % users.length];
    const concertId = concerts[(vu.id - 1) % concerts.length];
    const queueToken = await joinAndWaitActive(vu, user, concertId, 0.1, 600);
    if (!queueToken) return;
    const headers = withToken(user, queueToken);
    const scheduleId = await openSchedule(vu, headers, concertId);
    if (!scheduleId) return;
    const held = await holdOneOf(vu, headers, scheduleId, await freeSeats(vu, headers, scheduleId));
    if (!held) return;
    if ((await charge(vu, user, held.amount, `charge-${held.reservationId}`)).status !== 200) return;
    if ((await pay(vu, headers, held.reservationId)).status === 201) {
      vu.recorder.add('journey', performance.now() - started, true);
    }
    await vu.sleep(PACE_SECONDS - (performance.now() - started) / 1000);
  },
  thresholds: (o) => [
    { step: 'hold', stat: 'p95', max: o.vus > 50 ? 50 : 10 },
    { step: 'journey', stat: 'rate', min: o.vus > 50 ? 500 : 20 },
    { stat: 'failures', max: 0 },
  ],
};
