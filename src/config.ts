import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { EventStoreConfig } from './event-store/open-event-store';

export const CONFIG = Symbol('CONFIG');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PROFILE: z.enum(['embedded', 'production']).default('embedded'),
  DATA_DIR: z.string().default('./data'),
  HOLD_TTL_SECONDS: positiveInt(300),
  QUEUE_ACTIVE_CAPACITY: positiveInt(100),
  QUEUE_ACTIVE_TTL_SECONDS: positiveInt(600),
  WAITLIST_OFFER_SECONDS: positiveInt(600),
  ADMIN_KEY: z.string().min(8).optional(),
  JWT_SECRET: z.string().min(16).optional(),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(3600),
  EVENT_STORE: z.enum(['pglite', 'postgres', 'kurrentdb']).optional(),
  DATABASE_URL: z.string().optional(),
  KURRENTDB_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  MONGODB_URL: z.string().optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,64}$/)
    .default('rt:'),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .default('rush-tickets.events'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STATE_CACHE_MB: positiveInt(256),
  INSTANCE_ID: z.string().default(`${process.pid}-${randomBytes(3).toString('hex')}`),
  AUTH_THROTTLE_WINDOW_SECONDS: positiveInt(900),
  AUTH_THROTTLE_PER_ACCOUNT: positiveInt(10),
  AUTH_THROTTLE_LOGIN_PER_ADDRESS: positiveInt(100),
  AUTH_THROTTLE_SIGNUP_PER_ADDRESS: positiveInt(30),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine(isOrigin, { message: 'each origin is scheme://host[:port], nothing more' }))),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[0-9A-Fa-f.:/, ]+)$/, 'true, false, a hop count or a list of proxy addresses')
    .default('false')
    .transform(trustProxyOf),
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Fastify's trustProxy: whom to believe about X-Forwarded-For (the client address the throttles count). */
function trustProxyOf(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .join(',');
}

export type AppConfig = {
  readonly port: number;
  readonly host: string;
  readonly profile: 'embedded' | 'production';
  /** With kurrentdb, coordination (leases, idempotency replies, checkpoints) is in PostgreSQL at DATABASE_URL. */
  readonly eventStore: EventStoreConfig;
  /** Where queries read: in-process maps (embedded) or Redis + MongoDB fed from the log (production). */
  readonly readStores:
    | { readonly kind: 'memory' }
    | {
        readonly kind: 'external';
        readonly redisUrl: string;
        /** Several deployments (or test runs) can share one Redis under different prefixes. */
        readonly redisPrefix: string;
        /** The database is the URL's path (default rush_tickets). */
        readonly mongoUrl: string;
        /** With brokers, the log is relayed to Kafka and the stores are fed from it; without, from the event store. */
        readonly kafkaBrokers: readonly string[] | undefined;
        /** One deployment (one event store) per topic. */
        readonly kafkaTopic: string;
      };
  readonly holdTtlSeconds: number;
  readonly queueActiveCapacity: number;
  readonly queueActiveTtlSeconds: number;
  /** How long a seat offered to the first user of a waiting list is held for them. */
  readonly waitlistOfferSeconds: number;
  readonly adminKey: string;
  readonly adminKeyGenerated: boolean;
  readonly jwtSecret: string;
  readonly accessTokenTtlSeconds: number;
  readonly logLevel: string;
  readonly instanceId: string;
  /** Memory budget of the write side's stream-state cache, in bytes. */
  readonly stateCacheBytes: number;
  /**
   * Login and signup attempts allowed per window, per account (the username
   * asked for) and per client address, each route counted on its own.
   * Production counts in Redis, so the limits hold across instances.
   */
  readonly authThrottle: {
    readonly windowSeconds: number;
    readonly perAccount: number;
    readonly loginPerAddress: number;
    readonly signupPerAddress: number;
  };
  /** Origins a browser may call the API from; empty (the default) sends no CORS headers at all. */
  readonly corsOrigins: readonly string[];
  /** Which proxies' X-Forwarded-For to believe (Fastify's trustProxy); false: the socket's address is the client. */
  readonly trustProxy: boolean | number | string;
};

/** Reads the environment once at start; a bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const storeKind = e.EVENT_STORE ?? (e.PROFILE === 'production' || e.DATABASE_URL ? 'postgres' : 'pglite');
  if (storeKind === 'kurrentdb') {
    const missing = ['KURRENTDB_URL', 'DATABASE_URL'].filter((k) => !e[k as keyof typeof e]);
    if (missing.length)
      throw new Error(
        `EVENT_STORE=kurrentdb needs ${missing.join(' and ')} (the log on KurrentDB, coordination on PostgreSQL)`,
      );
  }
  if (storeKind === 'postgres' && !e.DATABASE_URL) throw new Error('EVENT_STORE=postgres needs DATABASE_URL');
  // Instances behind one load balancer must accept each other's tokens.
  if (e.PROFILE === 'production' && !e.JWT_SECRET)
    throw new Error('PROFILE=production needs JWT_SECRET (shared by every instance)');
  if (e.PROFILE === 'production') {
    const missing = ['DATABASE_URL', 'REDIS_URL', 'MONGODB_URL'].filter((k) => !e[k as keyof typeof e]);
    if (missing.length) throw new Error(`PROFILE=production needs ${missing.join(', ')}`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    profile: e.PROFILE,
    eventStore: eventStoreOf(storeKind, e),
    readStores:
      e.PROFILE === 'production'
        ? {
            kind: 'external',
            redisUrl: e.REDIS_URL!,
            redisPrefix: e.REDIS_KEY_PREFIX,
            mongoUrl: e.MONGODB_URL!,
            kafkaBrokers: e.KAFKA_BROKERS?.split(',')
              .map((b) => b.trim())
              .filter(Boolean),
            kafkaTopic: e.KAFKA_TOPIC,
          }
        : { kind: 'memory' },
    holdTtlSeconds: e.HOLD_TTL_SECONDS,
    queueActiveCapacity: e.QUEUE_ACTIVE_CAPACITY,
    queueActiveTtlSeconds: e.QUEUE_ACTIVE_TTL_SECONDS,
    waitlistOfferSeconds: e.WAITLIST_OFFER_SECONDS,
    adminKey: e.ADMIN_KEY ?? randomBytes(18).toString('base64url'),
    adminKeyGenerated: !e.ADMIN_KEY,
    jwtSecret: e.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    logLevel: e.LOG_LEVEL,
    instanceId: e.INSTANCE_ID,
    stateCacheBytes: e.STATE_CACHE_MB * 1024 * 1024,
    authThrottle: {
      windowSeconds: e.AUTH_THROTTLE_WINDOW_SECONDS,
      perAccount: e.AUTH_THROTTLE_PER_ACCOUNT,
      loginPerAddress: e.AUTH_THROTTLE_LOGIN_PER_ADDRESS,
      signupPerAddress: e.AUTH_THROTTLE_SIGNUP_PER_ADDRESS,
    },
    corsOrigins: e.CORS_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    ...overrides,
  };
}

function eventStoreOf(kind: EventStoreConfig['kind'], e: z.infer<typeof schema>): EventStoreConfig {
  if (kind === 'kurrentdb') return { kind, url: e.KURRENTDB_URL!, coordinationUrl: e.DATABASE_URL! };
  if (kind === 'postgres') return { kind, url: e.DATABASE_URL! };
  return { kind, dataDir: e.DATA_DIR };
}
