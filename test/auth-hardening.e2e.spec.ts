import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../src/config';
import { RunningApp, startApp } from './support/app';
import { Client, Response, User } from './support/client';
import { eventStoreOf, expectProblem, freshDataDir, pollUntil, removeDataDirs } from './support/e2e';

const SECRET = 'test-jwt-secret-0123456789abcdef'; // startApp's JWT_SECRET
const PASSWORD = 'correct horse battery';
const DEFAULTS = loadConfig({}).authThrottle;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const signed = (claims: object, options: jwt.SignOptions) =>
  jwt.sign({ typ: 'access', ...claims }, SECRET, { algorithm: 'HS256', ...options });

describe('access tokens mean what they say (issue 12, item 3)', () => {
  let running: RunningApp;
  let alice: User;
  const aliceName = `alice_${Math.random().toString(36).slice(2, 8)}`;
  let concertId: string;

  beforeAll(async () => {
    running = await startApp({ DATA_DIR: await freshDataDir() });
    alice = await running.client.user(aliceName);
    concertId = (await running.client.createConcert(2)).concertId;
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  /** What a user can do with a token: a command on their own wallet, joining a queue, a query. */
  const actAs = (token: string) => [
    running.client.request('POST', '/v1/wallet/charge', { headers: bearer(token), body: { amount: 500 } }),
    running.client.request('POST', `/v1/concerts/${concertId}/queue`, { headers: bearer(token) }),
    running.client.request('GET', '/v1/wallet', { headers: bearer(token) }),
  ];

  it('refuses, with 401 and nothing written, tokens without exp or iat and tokens of users who do not exist', async () => {
    const cases: Record<string, string> = {
      'no exp': signed({ username: aliceName }, { subject: alice.userId }),
      'no iat': signed(
        { username: aliceName, exp: Math.floor(Date.now() / 1000) + 600 },
        { subject: alice.userId, noTimestamp: true },
      ),
      'a ghost user id with a real username': signed(
        { username: aliceName },
        { subject: randomUUID(), expiresIn: 600 },
      ),
      'a ghost user id and username': signed(
        { username: 'nobody_signed_up' },
        { subject: randomUUID(), expiresIn: 600 },
      ),
      'a real user id with a username that does not exist': signed(
        { username: 'nobody_signed_up' },
        { subject: alice.userId, expiresIn: 600 },
      ),
      'no username claim (as tokens were before)': signed({}, { subject: alice.userId, expiresIn: 600 }),
    };
    const store = eventStoreOf(running);
    const head = await store.headPosition();
    for (const [name, token] of Object.entries(cases)) {
      for (const response of await Promise.all(actAs(token))) {
        expect({ name, status: response.status }).toEqual({ name, status: 401 });
        expectProblem(response, 401, 'UNAUTHENTICATED');
      }
    }
    expect(await store.headPosition()).toBe(head);
    const ghostStreams = (await store.readAll(0, 100_000)).filter(
      (e) => e.streamId.startsWith('Wallet-') || e.streamId.startsWith('QueueEntry-'),
    );
    expect(ghostStreams).toEqual([]);
  });

  it("still serves a real user's token from login", async () => {
    const [charged, joined, wallet] = await Promise.all(actAs(alice.accessToken));
    expect(charged.status).toBe(200);
    expect(joined.status).toBe(201);
    expect(wallet.status).toBe(200);
    const claims = jwt.decode(alice.accessToken) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: alice.userId, username: aliceName, typ: 'access' });
    expect(typeof claims.exp).toBe('number');
    expect(typeof claims.iat).toBe('number');
  });

  it('reads a user’s stream once to know they exist, not on every request', async () => {
    const bob = await running.client.user(`bob_${Math.random().toString(36).slice(2, 8)}`);
    const store = eventStoreOf(running);
    const readStream = jest.spyOn(store, 'readStream');
    try {
      for (let i = 0; i < 5; i++) {
        const answers = await Promise.all(
          Array.from({ length: 4 }, () => bob.call('GET', '/v1/wallet')).concat(bob.charge(100)),
        );
        expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      }
      const usernameReads = readStream.mock.calls.filter(([streamId]) => streamId.startsWith('Username-'));
      // The write side's log follower usually learns of the signup first (then no read at all); 25 requests
      // must never mean more than the one read of a user not seen yet.
      expect(usernameReads.length).toBeLessThanOrEqual(1);
    } finally {
      readStream.mockRestore();
    }
  });
});

describe('login and signup throttles (issue 12, item 4)', () => {
  const WINDOW_SECONDS = 5;
  let running: RunningApp;

  const logIn = (client: Client, username: string, password: string) =>
    client.request('POST', '/v1/auth/login', { body: { username, password } });
  const signUp = (client: Client, username: string) =>
    client.request('POST', '/v1/auth/signup', { body: { username, password: PASSWORD } });
  const retryAfterOf = (response: Response) => Number(response.headers.get('retry-after'));

  afterEach(async () => {
    await running?.close();
  });
  afterAll(() => removeDataDirs());

  it('with the default per-account limit, 30 wrong passwords in a row end in 429; after the window the right one works', async () => {
    // The default limits, in a short window (and an address limit of its own, not under test here).
    running = await startApp({
      DATA_DIR: await freshDataDir(),
      AUTH_THROTTLE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      AUTH_THROTTLE_PER_ACCOUNT: String(DEFAULTS.perAccount),
      AUTH_THROTTLE_LOGIN_PER_ADDRESS: '1000',
    });
    const name = `victim_${Math.random().toString(36).slice(2, 8)}`;
    expect((await signUp(running.client, name)).status).toBe(201);

    const wrong: Response[] = [];
    for (let i = 0; i < 30; i++) wrong.push(await logIn(running.client, name, `wrong password ${i}`));
    const statuses = wrong.map((r) => r.status);
    expect(statuses).toEqual([
      ...Array<number>(DEFAULTS.perAccount).fill(401),
      ...Array<number>(30 - DEFAULTS.perAccount).fill(429),
    ]);
    const last = wrong[29];
    expectProblem(last, 429, 'TOO_MANY_REQUESTS');
    expect(retryAfterOf(last)).toBeGreaterThanOrEqual(1);
    expect(retryAfterOf(last)).toBeLessThanOrEqual(WINDOW_SECONDS);

    // The right password is refused too while the account is throttled, whatever the case of its name...
    expectProblem(await logIn(running.client, name.toUpperCase(), PASSWORD), 429, 'TOO_MANY_REQUESTS');
    // ...but another account is not.
    const other = `other_${Math.random().toString(36).slice(2, 8)}`;
    expect((await signUp(running.client, other)).status).toBe(201);
    expect((await logIn(running.client, other, PASSWORD)).status).toBe(200);

    // Once the window has passed, the right password logs in.
    const after = await pollUntil(
      () => logIn(running.client, name, PASSWORD),
      (r) => r.status !== 429,
      (WINDOW_SECONDS + 5) * 1000,
      250,
    );
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ accessToken: expect.any(String) });
  });

  it('limits logins and signups per client address, whatever the accounts, each route on its own', async () => {
    running = await startApp({
      DATA_DIR: await freshDataDir(),
      AUTH_THROTTLE_WINDOW_SECONDS: '600',
      AUTH_THROTTLE_PER_ACCOUNT: '1000',
      AUTH_THROTTLE_LOGIN_PER_ADDRESS: '6',
      AUTH_THROTTLE_SIGNUP_PER_ADDRESS: '4',
    });
    const tag = Math.random().toString(36).slice(2, 8);
    const signups: Response[] = [];
    for (let i = 0; i < 6; i++) signups.push(await signUp(running.client, `addr${i}_${tag}`));
    expect(signups.map((r) => r.status)).toEqual([201, 201, 201, 201, 429, 429]);
    expectProblem(signups[4], 429, 'TOO_MANY_REQUESTS');
    expect(retryAfterOf(signups[4])).toBeGreaterThanOrEqual(1);

    // Each login names a different account, so only the address limit can stop them.
    const logins: Response[] = [];
    for (let i = 0; i < 8; i++) logins.push(await logIn(running.client, `addr${i % 4}_${tag}`, PASSWORD));
    expect(logins.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expectProblem(logins[6], 429, 'TOO_MANY_REQUESTS');
    expect(retryAfterOf(logins[6])).toBeGreaterThan(500);

    // Other routes are not throttled, and the users' tokens still work.
    const user = new User(running.client, logins[0].body.userId, logins[0].body.accessToken);
    expect((await user.call('GET', '/v1/wallet')).status).toBe(200);
  });

  it('refuses a flood before hashing anything: the 429 comes without the signup being written', async () => {
    running = await startApp({
      DATA_DIR: await freshDataDir(),
      AUTH_THROTTLE_SIGNUP_PER_ADDRESS: '1',
    });
    const tag = Math.random().toString(36).slice(2, 8);
    expect((await signUp(running.client, `first_${tag}`)).status).toBe(201);
    const head = await eventStoreOf(running).headPosition();
    expectProblem(await signUp(running.client, `second_${tag}`), 429, 'TOO_MANY_REQUESTS');
    expect(await eventStoreOf(running).headPosition()).toBe(head);
  });
});
