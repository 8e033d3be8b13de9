import { Http } from './http';
import { Vu } from './vus';

/** The HTTP contract (API.md) as the Node scenarios use it: the same steps as k6/lib/api.js. */
export type User = { userId: string; accessToken: string };

const PASSWORD = 'load-password-1';

export const auth = (user: User) => ({ authorization: `Bearer ${user.accessToken}` });
export const withToken = (user: User, queueToken: string) => ({ ...auth(user), 'x-queue-token': queueToken });
export const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];

export type Concert = { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };

export async function createConcert(
  http: Http,
  adminKey: string,
  title: string,
  schedules: number,
  seats: number,
  price: number,
): Promise<Concert> {
  const answer = await http.call('admin', 'POST', '/v1/admin/concerts', {
    headers: { 'x-admin-key': adminKey },
    body: {
      title,
      schedules: Array.from({ length: schedules }, (_, s) => ({
        startsAt: new Date(Date.UTC(2027, 0, 1 + s, 19)).toISOString(),
        seats: Array.from({ length: seats }, (_, i) => ({ seatNo: i + 1, price })),
      })),
    },
  });
  if (answer.status !== 201) throw new Error(`creating a concert: ${answer.status} ${answer.text}`);
  return answer.json<Concert>();
}

/**
 * Signs up and logs in `count` users, a few at a time. Before the clock starts,
 * as k6's setup(): each is two scrypt hashes (about 45 ms of CPU each).
 */
export async function createUsers(
  http: Http,
  count: number,
  prefix: string,
  progress: (done: number) => void,
): Promise<User[]> {
  const run = `${prefix}${Date.now().toString(36)}`;
  const users: User[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const body = { username: `${run}_${i}`, password: PASSWORD };
      const signup = await http.call('signup', 'POST', '/v1/auth/signup', { body });
      if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${signup.text}`);
      const login = await http.call('login', 'POST', '/v1/auth/login', { body });
      if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
      users[i] = login.json<User>();
      if (i % 50 === 49) progress(i + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return users;
}

/**
 * Joins the concert's waiting room (or finds the live token again) and polls
 * every `pollSeconds` until ACTIVE; null when still waiting after `maxPolls`.
 */
export async function joinAndWaitActive(
  vu: Vu,
  user: User,
  concertId: string,
  pollSeconds: number,
  maxPolls: number,
): Promise<string | null> {
  const joined = await vu.http.call('join', 'POST', `/v1/concerts/${concertId}/queue`, { headers: auth(user) });
  if (joined.status !== 201 && joined.status !== 200) return null;
  const { queueToken, status } = joined.json<{ queueToken: string; status: string }>();
  if (status === 'ACTIVE') return queueToken;
  // Read-your-writes (API.md): the status reflects at least the join, whichever instance answers.
  const headers = {
    ...withToken(user, queueToken),
    ...(joined.eventPosition ? { 'x-min-position': joined.eventPosition } : {}),
  };
  for (let i = 0; i < maxPolls; i++) {
    const answer = await vu.http.call('queue_status', 'GET', '/v1/queue/status', { headers });
    const now = answer.status === 200 ? answer.json<{ status: string }>().status : undefined;
    if (now === 'ACTIVE') return queueToken;
    if (now !== 'WAITING') return null;
    await vu.sleep(pollSeconds);
  }
  return null;
}
