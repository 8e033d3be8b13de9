import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import { eventStoreOf, expectProblem, freshDataDir, removeDataDirs } from './support/e2e';

const SECRET = 'test-jwt-secret-0123456789abcdef'; // startApp's JWT_SECRET

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
      expect(usernameReads).toHaveLength(1);
    } finally {
      readStream.mockRestore();
    }
  });
});
