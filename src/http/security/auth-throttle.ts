import rateLimit, { normalizeIP, RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config';
import { createRedisClient, whenReady } from '../../projections/redis/redis-client';
import { DomainError } from '../../shared/domain-error';

export const LOGIN_PATH = '/v1/auth/login';
export const SIGNUP_PATH = '/v1/auth/signup';

/** The longest username the login schema takes; nothing longer can name an account. */
const MAX_USERNAME = 256;
/** Keys each in-process counter keeps (embedded profile); enough that a flood of names cannot push one out. */
const LOCAL_KEYS = 100_000;

type Handler = onRequestHookHandler;

/**
 * Login and signup are throttled per account (the username asked for) and
 * per client address, each route on its own counters, in fixed windows. Every attempt counts, right or wrong, and an
 * unknown username counts like a known one, so a 429 tells nothing about
 * which accounts exist. Over a limit the answer is 429 TOO_MANY_REQUESTS
 * with Retry-After, before any password is hashed.
 *
 * @fastify/rate-limit does the counting: in process (embedded), or in Redis
 * under the deployment's key prefix (production), so every instance behind a
 * balancer shares one count. If Redis cannot answer, the attempt goes
 * through unthrottled rather than locking everyone out of their accounts.
 */
export async function registerAuthThrottles(fastify: FastifyInstance, config: AppConfig): Promise<void> {
  const { windowSeconds, perAccount, loginPerAddress, signupPerAddress } = config.authThrottle;
  const stores = config.readStores;
  let redis: Redis | undefined;
  if (stores.kind === 'external') {
    redis = createRedisClient(stores.redisUrl, (error) =>
      fastify.log.warn({ err: error.message }, 'auth throttle: Redis connection error'),
    );
    const client = redis;
    fastify.addHook('onClose', async () => client.disconnect());
    // The client has no offline queue: until it is connected, attempts would go uncounted.
    await whenReady(client).catch((error: unknown) =>
      fastify.log.warn({ err: String(error) }, 'auth throttle: Redis not ready yet; attempts go uncounted until it is'),
    );
  }
  const prefix = stores.kind === 'external' ? `${stores.redisPrefix}throttle:` : 'throttle:';

  const limiter = async (name: string, options: RateLimitPluginOptions): Promise<Handler> => {
    let handler: Handler | undefined;
    // One registration per counter, each in a context of its own: the plugin's
    // own per-route children would prefix every key with an empty route.
    await fastify.register(async (scope) => {
      await scope.register(rateLimit, {
        global: false,
        timeWindow: windowSeconds * 1000,
        cache: LOCAL_KEYS,
        ...(redis ? { redis, nameSpace: `${prefix}${name}:` } : {}),
        skipOnError: true,
        // Only the answer that refuses says anything; remaining counts would help a guesser pace itself.
        addHeadersOnExceeding: {
          'x-ratelimit-limit': false,
          'x-ratelimit-remaining': false,
          'x-ratelimit-reset': false,
        },
        addHeaders: {
          'x-ratelimit-limit': false,
          'x-ratelimit-remaining': false,
          'x-ratelimit-reset': false,
          'retry-after': true,
        },
        ...options,
      });
      handler = scope.rateLimit() as unknown as Handler;
    });
    return handler!;
  };

  const refusal = (what: string) => (_request: FastifyRequest, context: { ttl: number }) =>
    new DomainError('TOO_MANY_REQUESTS', `too many attempts ${what}; try again later`, {
      retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
    });
  const addressOf = (request: FastifyRequest) => normalizeIP(request.ip);

  const byAccount = (name: string) =>
    limiter(name, {
      max: perAccount,
      keyGenerator: usernameOf,
      // Without a username there is no account to protect; the address limit still counts it.
      allowList: (_request, key) => key === '',
      errorResponseBuilder: refusal('for this account'),
    });
  const loginAccount = await byAccount('login-account');
  const signupAccount = await byAccount('signup-account');
  const loginAddress = await limiter('login-address', {
    max: loginPerAddress,
    keyGenerator: addressOf,
    errorResponseBuilder: refusal('to log in from this address'),
  });
  const signupAddress = await limiter('signup-address', {
    max: signupPerAddress,
    keyGenerator: addressOf,
    errorResponseBuilder: refusal('to sign up from this address'),
  });

  // Nest registers its routes at init, after this: each auth route gets its
  // address counter at onRequest (before the body is even read) and its
  // account counter once the body is parsed.
  fastify.addHook('onRoute', (route) => {
    if (!isPost(route)) return;
    if (route.url === LOGIN_PATH) addHooks(route, loginAddress, loginAccount);
    if (route.url === SIGNUP_PATH) addHooks(route, signupAddress, signupAccount);
  });
}

function usernameOf(request: FastifyRequest): string {
  const body = request.body as { username?: unknown } | null | undefined;
  const username = typeof body === 'object' && body !== null ? body.username : undefined;
  if (typeof username !== 'string' || username === '' || username.length > MAX_USERNAME) return '';
  return username.toLowerCase();
}

const isPost = (route: RouteOptions) =>
  Array.isArray(route.method) ? route.method.includes('POST') : route.method === 'POST';

function addHooks(route: RouteOptions, byAddress: Handler, byAccount: Handler): void {
  route.onRequest = [...asList(route.onRequest), byAddress];
  route.preValidation = [...asList(route.preValidation), byAccount as never];
}

const asList = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
