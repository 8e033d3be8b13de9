import { randomBytes } from 'node:crypto';
import { seedUsers, UserNames } from '../../bench/import-per-user';
import type { AppConfig } from '../../src/config';
import { TokenService } from '../../src/http/auth/token.service';
import { auth, createUsers, pick, User, withToken } from '../api';
import { charge, freeSeats, holdOneOf, pay } from '../purchase';
import { Scenario } from '../scenario';
import { Vu } from '../vus';

const PRICE = 1000;
const SCHEDULES = 2;
/** One buyer in REFUND_EVERY refunds what they bought. */
const REFUND_EVERY = 10;

type Buyer = User & { queueToken?: string; done?: boolean };

type Data = {
  concertId: string;
  adminKey: string;
  users: Buyer[];
  /** Joins after the run to read the seat maps for the audit. */
  auditor: Buyer;
  /** Filled by the VUs: how many joins are in, and when the last one made the opening come. */
  joined: number;
  preQueueAnswers: number;
  otherAnswers: string[];
  opened: boolean;
  openedAt?: number;
  firstActiveAt?: number;
  lastActiveAt?: number;
  active: number;
  bought: Set<Buyer>;
  refunded: number;
  soldOut: number;
};

/** Users whose sign-ups the runner writes into the empty log before the service starts, with signed tokens. */
class Synthetic implements UserNames {
  private readonly prefix = randomBytes(4).toString('hex');
  constructor(readonly count: number) {}
  userId(i: number): string {
    return `${this.prefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  }
  username(i: number): string {
    return `onsale${this.prefix}.${i}`;
  }
}

const admitPerMinute = (users: number) => Math.max(600, users * 3);

/**
 * k6/on-sale.js: a whole on-sale. --users (default 10,000) join a concert
 * whose opening is an hour away: every join is PRE_QUEUE. When the last is
 * in, the admin moves the opening to two seconds later (PATCH); the leader
 * shuffles the pre-queue and admits at most admitPerMinute (users x 6, so
 * the line drains in about twenty seconds of the run, smoothly). Each VU polls
 * its share of the users once a second; an ACTIVE user reads the seat map,
 * holds a seat, charges and pays, and one buyer in ten refunds. There are
 * fewer seats than users (--seats per schedule, two schedules): the rest find
 * it sold out. teardown audits that the money kept equals the seats sold.
 */
export const onSale: Scenario<Data> = {
  name: 'on-sale',
  about: 'pre-queue joins, the opening, rate-limited admission, holds, payments, refunds; audits no seat sold twice',
  defaults: { vus: 200, duration: 60, seats: 1_000, users: 10_000 },
  serviceEnv: (o) => ({ QUEUE_ACTIVE_CAPACITY: String(o.users ?? 10_000), QUEUE_ACTIVE_TTL_SECONDS: '600' }),
  stages: (o) => ({ startVus: o.vus, stages: [{ seconds: o.duration, target: o.vus }] }),

  async prepare(store, jwtSecret, o, progress) {
    const names = new Synthetic((o.users ?? 10_000) + 1);
    progress(`writing ${names.count.toLocaleString('en')} sign-ups into the log (no password hashing)`);
    await seedUsers(names, store);
    const tokens = new TokenService({ jwtSecret, accessTokenTtlSeconds: 24 * 3600 } as AppConfig);
    return Array.from({ length: names.count }, (_, i) => ({
      userId: names.userId(i),
      accessToken: tokens.signAccess({ userId: names.userId(i), username: names.username(i) }).accessToken,
    }));
  },

  async setup({ http, adminKey, progress, prepared }, o) {
    const count = (o.users ?? 10_000) + 1;
    let users = prepared as User[] | undefined;
    if (!users) {
      progress(`signing up and logging in ${count} users over HTTP (a service the runner did not start)`);
      users = await createUsers(http, count, 'onsale', (n) => progress(`${n}/${count} users`));
    }
    const created = await http.call('admin', 'POST', '/v1/admin/concerts', {
      headers: { 'x-admin-key': adminKey },
      body: {
        title: 'on-sale',
        onSaleAt: new Date(Date.now() + 3_600_000).toISOString(),
        admitPerMinute: admitPerMinute(count),
        schedules: Array.from({ length: SCHEDULES }, (_, s) => ({
          startsAt: new Date(Date.UTC(2030, 0, 1 + s, 19)).toISOString(),
          seats: Array.from({ length: o.seats ?? 1_000 }, (_, i) => ({ seatNo: i + 1, price: PRICE })),
        })),
      },
    });
    if (created.status !== 201) throw new Error(`creating the concert: ${created.status} ${created.text}`);
    return {
      concertId: created.json<{ concertId: string }>().concertId,
      adminKey,
      users: users.slice(0, -1),
      auditor: users[users.length - 1],
      joined: 0,
      preQueueAnswers: 0,
      otherAnswers: [],
      opened: false,
      active: 0,
      bought: new Set(),
      refunded: 0,
      soldOut: 0,
    };
  },

  async iterate(vu, data, o) {
    const mine = (vu.state.users ??= data.users.filter((_, i) => i % o.vus === vu.id - 1)) as Buyer[];
    if (vu.iteration === 0) {
      for (const user of mine) await join(vu, data, user);
      if (data.joined === data.users.length && !data.opened) await open(vu, data);
    }
    for (const user of mine) {
      if (user.done || !user.queueToken) continue;
      const status = await vu.http.call('queue_status', 'GET', '/v1/queue/status', {
        headers: withToken(user, user.queueToken),
      });
      if (status.status !== 200 || status.json<{ status: string }>().status !== 'ACTIVE') continue;
      const now = performance.now();
      data.firstActiveAt ??= now;
      data.lastActiveAt = now;
      data.active += 1;
      user.done = true;
      await buy(vu, data, user);
    }
    await vu.sleep(1);
  },

  async teardown({ http, progress }, data, o) {
    if (data.otherAnswers.length > 0) {
      const [example] = data.otherAnswers;
      throw new Error(`${data.otherAnswers.length} joins before the opening did not answer PRE_QUEUE, e.g. ${example}`);
    }
    const { auditor } = data;
    const joined = await http.call('audit', 'POST', `/v1/concerts/${data.concertId}/queue`, { headers: auth(auditor) });
    auditor.queueToken = joined.json<{ queueToken: string }>().queueToken;
    for (let poll = 0; ; poll++) {
      const status = await http.call('audit', 'GET', '/v1/queue/status', {
        headers: withToken(auditor, auditor.queueToken),
      });
      if (status.json<{ status: string }>().status === 'ACTIVE') break;
      if (poll === 100) throw new Error(`the auditor was never admitted: ${status.text}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const balanceOf = async (user: User) => {
      const wallet = await http.call('audit', 'GET', '/v1/wallet', { headers: auth(user) });
      return wallet.json<{ balance: number }>().balance;
    };
    progress(`auditing ${data.bought.size} buyers' wallets against the seat maps`);
    for (let attempt = 1; ; attempt++) {
      let sold = 0;
      for (const schedule of await schedulesOf(http, data.concertId, auditor)) {
        const map = await http.call('audit', 'GET', `/v1/schedules/${schedule}/seats`, {
          headers: withToken(auditor, auditor.queueToken),
        });
        if (map.status === 200) sold += map.json<{ status: string }[]>().filter((s) => s.status === 'SOLD').length;
      }
      // Money a buyer still has spent: seats paid for and not refunded.
      let spent = 0;
      for (const user of data.bought) spent += FUNDS - (await balanceOf(user));
      const paidSeats = spent / PRICE;
      const admittedFor = ((data.lastActiveAt ?? 0) - (data.firstActiveAt ?? 0)) / 1000;
      const seen = `${data.preQueueAnswers} pre-queue joins; ${data.active} users seen ACTIVE over ${admittedFor.toFixed(1)} s (limit ${admitPerMinute(data.users.length)}/min); ${sold} of ${(o.seats ?? 1_000) * SCHEDULES} seats sold, ${paidSeats} paid for, ${data.refunded} refunded, ${data.soldOut} found it sold out`;
      if (paidSeats === sold) return `no seat sold twice: ${seen}`;
      if (attempt === 20) throw new Error(`a seat sold twice or lost: ${seen}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  },

  thresholds: () => [
    { step: 'join', stat: 'p99', max: 100 },
    { step: 'queue_status', stat: 'p99', max: 50 },
    { step: 'hold', stat: 'p99', max: 100 },
    { stat: 'failures', max: 0 },
  ],
};

/** What each buyer's wallet is charged with: enough for one seat. */
const FUNDS = PRICE;

async function join(vu: Vu, data: Data, user: Buyer): Promise<void> {
  const joined = await vu.http.call('join', 'POST', `/v1/concerts/${data.concertId}/queue`, { headers: auth(user) });
  data.joined += 1;
  if (joined.status !== 201) return void data.otherAnswers.push(`${joined.status} ${joined.text}`);
  const body = joined.json<{ queueToken: string; status: string }>();
  user.queueToken = body.queueToken;
  if (body.status === 'PRE_QUEUE') data.preQueueAnswers += 1;
  else data.otherAnswers.push(joined.text);
}

/** The admin brings the opening forward to two seconds from now, once every join is in. */
async function open(vu: Vu, data: Data): Promise<void> {
  data.opened = true;
  const moved = await vu.http.call('admin', 'PATCH', `/v1/admin/concerts/${data.concertId}`, {
    headers: { 'x-admin-key': data.adminKey },
    body: { onSaleAt: new Date(Date.now() + 2_000).toISOString() },
  });
  if (moved.status !== 200) throw new Error(`moving the opening: ${moved.status} ${moved.text}`);
  data.openedAt = performance.now();
}

async function buy(vu: Vu, data: Data, user: Buyer): Promise<void> {
  const headers = withToken(user, user.queueToken!);
  const schedules = await schedulesOf(vu.http, data.concertId, user, 'schedules');
  if (schedules.length === 0) return void (data.soldOut += 1);
  const scheduleId = pick(schedules);
  const held = await holdOneOf(vu, headers, scheduleId, await freeSeats(vu, headers, scheduleId));
  if (!held) return;
  await charge(vu, user, FUNDS, `funds-${user.userId}`);
  data.bought.add(user);
  // Counted before the payment's await: other VUs' buyers come in meanwhile, and the tenth must stay the tenth.
  const nth = data.bought.size;
  const paid = await pay(vu, headers, held.reservationId);
  if (paid.status !== 201 || nth % REFUND_EVERY !== 0) return;
  const refund = await vu.http.call('refund', 'POST', `/v1/reservations/${held.reservationId}/refund`, {
    headers: { ...auth(user), 'idempotency-key': `refund-${held.reservationId}` },
  });
  if (refund.status === 201) data.refunded += 1;
}

async function schedulesOf(http: Vu['http'], concertId: string, user: Buyer, step = 'audit'): Promise<string[]> {
  const answer = await http.call(step, 'GET', `/v1/concerts/${concertId}/schedules`, {
    headers: withToken(user, user.queueToken!),
  });
  if (answer.status !== 200) return [];
  return answer
    .json<{ scheduleId: string; availableSeats: number }[]>()
    .filter((s) => step === 'audit' || s.availableSeats > 0)
    .map((s) => s.scheduleId);
}
