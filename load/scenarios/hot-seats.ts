import { auth, createConcert, createUsers, joinAndWaitActive, User, withToken } from '../api';
import { cancel, hold, pay } from '../purchase';
import { Scenario } from '../scenario';

type Data = { concertId: string; scheduleId: string; users: User[]; auditor: User };

const PRICE = 1000;
const PAY_EVERY = 10;

/**
 * k6/hot-seats.js: many VUs racing for a few seats (--seats, default 20) with
 * overlapping holds of 2-4 adjacent seats; a winner pays on every 10th
 * iteration and cancels otherwise. Every wallet starts with enough for all the
 * seats; teardown checks that the money taken equals the seats sold.
 */
export const hotSeats: Scenario<Data> = {
  name: 'hot-seats',
  about: 'many VUs racing for a few seats with overlapping multi-seat holds; audits that no seat sold twice',
  defaults: { vus: 100, duration: 30, seats: 20 },
  serviceEnv: (o) => ({ QUEUE_ACTIVE_CAPACITY: String(o.vus + 1) }),
  stages: (o) => ({ startVus: o.vus, stages: [{ seconds: o.duration, target: o.vus }] }),
  async setup({ http, adminKey, progress }, o) {
    const seats = o.seats ?? 20;
    const concert = await createConcert(http, adminKey, 'hot seats', 1, seats, PRICE);
    progress(`signing up, logging in and funding ${o.vus + 1} users`);
    const all = await createUsers(http, o.vus + 1, 'hot', (n) => progress(`${n}/${o.vus + 1} users`));
    for (const user of all) {
      const funded = await http.call('admin', 'POST', '/v1/wallet/charge', {
        headers: { ...auth(user), 'idempotency-key': 'budget' },
        body: { amount: seats * PRICE },
      });
      if (funded.status !== 200) throw new Error(`funding a wallet: ${funded.status} ${funded.text}`);
    }
    const { scheduleId } = concert.schedules[0];
    return { concertId: concert.concertId, scheduleId, users: all.slice(0, o.vus), auditor: all[o.vus] };
  },
  async iterate(vu, data, o) {
    const seats = o.seats ?? 20;
    const user = data.users[(vu.id - 1) % data.users.length];
    let queueToken = vu.state.queueToken as string | null | undefined;
    if (!queueToken) queueToken = vu.state.queueToken = await joinAndWaitActive(vu, user, data.concertId, 0.05, 200);
    if (!queueToken) return;
    const headers = withToken(user, queueToken);
    const size = Math.min(seats, 2 + Math.floor(Math.random() * 3));
    const first = 1 + Math.floor(Math.random() * (seats - size + 1));
    const seatIds = Array.from({ length: size }, (_, i) => `${data.scheduleId}.${first + i}`);
    const held = await hold(vu, headers, data.scheduleId, seatIds);
    if (held.status === 403) vu.state.queueToken = null;
    if (held.status !== 201) return;
    const { reservationId } = held.json<{ reservationId: string }>();
    if (vu.iteration % PAY_EVERY === 0) {
      // A completed payment makes the queue token DONE: the next iteration joins again.
      if ((await pay(vu, headers, reservationId)).status === 201) vu.state.queueToken = null;
    } else {
      await cancel(vu, user, reservationId);
    }
  },
  async teardown({ http }, data, o) {
    const seats = o.seats ?? 20;
    const joined = await http.call('audit', 'POST', `/v1/concerts/${data.concertId}/queue`, {
      headers: auth(data.auditor),
    });
    const queueToken = joined.json<{ queueToken: string }>().queueToken;
    const headers = withToken(data.auditor, queueToken);
    // Read models follow the log: allow them a moment to agree.
    for (let attempt = 1; ; attempt++) {
      const map = await http.call('audit', 'GET', `/v1/schedules/${data.scheduleId}/seats`, { headers });
      const sold = map.status === 200 ? map.json<{ status: string }[]>().filter((s) => s.status === 'SOLD').length : -1;
      let spent = 0;
      for (const user of data.users) {
        const wallet = await http.call('audit', 'GET', '/v1/wallet', { headers: auth(user) });
        spent += seats * PRICE - wallet.json<{ balance: number }>().balance;
      }
      const paidSeats = spent / PRICE;
      if (paidSeats === sold) return `no seat sold twice: ${sold} of ${seats} seats sold, ${paidSeats} paid for`;
      if (attempt === 20) throw new Error(`${paidSeats} seats paid for but ${sold} sold`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  },
  thresholds: () => [
    { step: 'hold', stat: 'p95', max: 50 },
    { stat: 'failures', max: 0 },
  ],
};
