import Redis from 'ioredis';
import { RunningApp } from './support/app';
import { Client, Response } from './support/client';
import { expectProblem } from './support/e2e';
import { TwoInstances, startTwoInstances } from './support/production';
import { describeWithProductionServices } from './support/services';

const PASSWORD = 'correct horse battery';

/** Issue 12, item 4: behind a load balancer the login and signup limits are one count in Redis, not one per instance. */
describeWithProductionServices('auth throttles across two production instances sharing Redis', () => {
  let instances: TwoInstances | undefined;
  let prefix: string;
  let redisUrl: string;
  let a: RunningApp;
  let b: RunningApp;
  /** Alternates between the instances request by request, as a round-robin balancer would. */
  let balanced: Client;

  beforeAll(async () => {
    instances = await startTwoInstances('throttle', {
      AUTH_THROTTLE_WINDOW_SECONDS: '600',
      AUTH_THROTTLE_PER_ACCOUNT: '4',
      AUTH_THROTTLE_LOGIN_PER_ADDRESS: '1000',
      AUTH_THROTTLE_SIGNUP_PER_ADDRESS: '3',
    });
    ({ a, b } = instances);
    prefix = instances.env.REDIS_KEY_PREFIX;
    redisUrl = instances.env.REDIS_URL;
    balanced = new Client([a.url, b.url], a.client.adminKey);
  });
  afterAll(() => instances?.close());

  it('counts one account’s login attempts on both instances together, in Redis under the deployment’s prefix', async () => {
    const name = `shared_${Math.random().toString(36).slice(2, 8)}`;
    expect(
      (await a.client.request('POST', '/v1/auth/signup', { body: { username: name, password: PASSWORD } })).status,
    ).toBe(201);

    const attempts: Response[] = [];
    for (let i = 0; i < 8; i++) {
      attempts.push(
        await balanced.request('POST', '/v1/auth/login', { body: { username: name, password: `wrong ${i}` } }),
      );
    }
    // Each instance saw four attempts, its own limit, yet the fifth overall is refused, on either.
    expect(attempts.map((r) => r.status)).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
    expectProblem(attempts[4], 429, 'TOO_MANY_REQUESTS');
    expect(Number(attempts[4].headers.get('retry-after'))).toBeGreaterThan(0);
    for (const instance of [a, b]) {
      const right = await instance.client.request('POST', '/v1/auth/login', {
        body: { username: name, password: PASSWORD },
      });
      expectProblem(right, 429, 'TOO_MANY_REQUESTS');
    }

    const redis = new Redis(redisUrl, { lazyConnect: true });
    try {
      await redis.connect();
      const keys = await redis.keys(`${prefix}throttle:*`);
      expect(keys).toContain(`${prefix}throttle:login-account:${name}`);
      expect(Number(await redis.get(`${prefix}throttle:login-account:${name}`))).toBe(10);
    } finally {
      redis.disconnect();
    }
  });

  it('counts one address’s signups on both instances together', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await balanced.request('POST', '/v1/auth/signup', {
        body: { username: `s${i}_${tag}`, password: PASSWORD },
      });
      statuses.push(response.status);
    }
    // The first test's signup was this address's first.
    expect(statuses).toEqual([201, 201, 429, 429, 429]);
  });
});
