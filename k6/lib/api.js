// The HTTP contract (API.md) as the k6 scenarios use it, plus a Trend and a
// Counter per step (`<step>_latency`, `<step>_success`), as in the old
// system's report. Every request is tagged { name: <step> }, so thresholds and
// Grafana can also split the built-in http_req_duration by step.
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';

export const BASE = __ENV.BASE_URL || 'http://localhost:3000';
// docker-compose's ADMIN_KEY; an embedded service prints its own at start.
const ADMIN_KEY = __ENV.ADMIN_KEY || 'change-me-admin-key';
const PASSWORD = 'k6-password-1';
const JSON_HEADERS = { 'content-type': 'application/json' };

// A 409 SEAT_UNAVAILABLE is a race lost, a 402 a wallet too small: answers, not failures.
export const HOLD_EXPECTED = http.expectedStatuses(201, 409);
export const PAY_EXPECTED = http.expectedStatuses(201, 402, 409);

const steps = {};

/** The Trend and Counter of a step; k6 wants metrics declared in the init context, so call at module level. */
export function step(name) {
  steps[name] = { latency: new Trend(`${name}_latency`, true), success: new Counter(`${name}_success`) };
  return name;
}

const is2xx = (r) => r.status >= 200 && r.status < 300;

/** One request of a step: records its latency, checks `ok(res)`, and counts a 2xx as a success. */
export function call(name, method, url, body, params = {}, ok = is2xx) {
  // Fastify refuses an empty body sent as application/json: the header goes only with a body.
  const res = http.request(method, url, body === undefined ? null : JSON.stringify(body), {
    ...params,
    headers: { ...(body === undefined ? {} : JSON_HEADERS), ...params.headers },
    tags: { name, ...params.tags },
  });
  const metrics = steps[name];
  if (!metrics) fail(`step ${name} was not declared with step()`);
  metrics.latency.add(res.timings.duration);
  check(res, { [`${name} ok`]: ok });
  if (is2xx(res)) metrics.success.add(1);
  return res;
}

/** A step that spans several requests (a whole journey): its time and one success. */
export function done(name, ms) {
  steps[name].latency.add(ms);
  steps[name].success.add(1);
}

export const pick = (list) => list[Math.floor(Math.random() * list.length)];

const LOGIN = step('login');

export function env(name, fallback) {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : Number(value);
}

/** A concert of `schedules` x `seats` seats, all at `price`. */
export function createConcert(title, schedules, seats, price) {
  const res = http.post(
    `${BASE}/v1/admin/concerts`,
    JSON.stringify({
      title,
      schedules: Array.from({ length: schedules }, (_, s) => ({
        startsAt: new Date(Date.UTC(2027, 0, 1 + s, 19)).toISOString(),
        seats: Array.from({ length: seats }, (_, i) => ({ seatNo: i + 1, price })),
      })),
    }),
    { headers: { ...JSON_HEADERS, 'x-admin-key': ADMIN_KEY }, tags: { name: 'admin' } },
  );
  if (res.status !== 201) fail(`creating a concert: ${res.status} ${res.body}`);
  return res.json();
}

/**
 * Signs up and logs in `count` users, 20 at a time. Done in setup(): a login is
 * a deliberately slow scrypt (about 45 ms of CPU), so a VU's iterations start
 * from a logged-in session, as a real buyer's would.
 */
export function users(count, prefix) {
  const run = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const names = Array.from({ length: count }, (_, i) => `${run}_${i}`);
  const out = [];
  for (let i = 0; i < names.length; i += 20) {
    const chunk = names.slice(i, i + 20);
    const body = (username) => JSON.stringify({ username, password: PASSWORD });
    const params = { headers: JSON_HEADERS, tags: { name: 'signup' } };
    for (const res of http.batch(chunk.map((u) => ['POST', `${BASE}/v1/auth/signup`, body(u), params]))) {
      if (res.status !== 201) fail(`signup: ${res.status} ${res.body}`);
    }
    const logins = http.batch(
      chunk.map((u) => ['POST', `${BASE}/v1/auth/login`, body(u), { headers: JSON_HEADERS, tags: { name: LOGIN } }]),
    );
    logins.forEach((res, j) => {
      steps[LOGIN].latency.add(res.timings.duration);
      if (!check(res, { 'login ok': (r) => r.status === 200 })) fail(`login: ${res.status} ${res.body}`);
      steps[LOGIN].success.add(1);
      out.push({ username: chunk[j], userId: res.json('userId'), accessToken: res.json('accessToken') });
    });
  }
  return out;
}

/** The user of this VU: VUs share users round-robin when there are fewer users than VUs. */
export function userOfVu(data) {
  return data.users[(__VU - 1) % data.users.length];
}

/** X-Min-Position for a read that must see the command `res` answered (its X-Event-Position). */
export function minPositionOf(res) {
  const position = res.headers['X-Event-Position'];
  return position ? { 'x-min-position': position } : {};
}

export const auth = (user) => ({ authorization: `Bearer ${user.accessToken}` });
export const withToken = (user, queueToken) => ({ ...auth(user), 'x-queue-token': queueToken });

const JOIN = step('join');
const STATUS = step('queue_status');

/**
 * Joins the concert's waiting room (or finds the live token again) and polls
 * the status every `pollSeconds` until ACTIVE. Returns the queue token, or
 * null when the user is still waiting after `maxPolls` polls.
 */
export function joinAndWaitActive(user, concertId, pollSeconds, maxPolls) {
  const joined = call(JOIN, 'POST', `${BASE}/v1/concerts/${concertId}/queue`, undefined, { headers: auth(user) });
  if (joined.status !== 201 && joined.status !== 200) return null;
  const queueToken = joined.json('queueToken');
  if (joined.json('status') === 'ACTIVE') return queueToken;
  // Read-your-writes (API.md): the status reflects at least the join, whichever instance answers.
  const headers = { ...withToken(user, queueToken), ...minPositionOf(joined) };
  for (let i = 0; i < maxPolls; i++) {
    const res = call(STATUS, 'GET', `${BASE}/v1/queue/status`, undefined, { headers });
    const status = res.status === 200 ? res.json('status') : undefined;
    if (status === 'ACTIVE') return queueToken;
    if (status !== 'WAITING') return null;
    sleep(pollSeconds);
  }
  return null;
}
