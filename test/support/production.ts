import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { Client as PgClient } from 'pg';
import Redis from 'ioredis';
import type { CoreOptions } from '../../src/app/core.module';
import { RunningApp, startApp } from './app';

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/**
 * A production profile of its own: a fresh PostgreSQL database, a Redis key
 * prefix and a MongoDB database nobody else uses, so the read models start
 * empty and the log holds only this suite's events.
 */
export async function freshProductionEnv(
  overrides: Partial<Record<'REDIS_URL' | 'MONGODB_URL', string>> = {},
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const admin = new PgClient({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${id}`);
  await admin.end();
  const redisUrl = overrides.REDIS_URL ?? process.env.REDIS_URL!;
  const mongoUrl = withDatabase(overrides.MONGODB_URL ?? process.env.MONGODB_URL!, id);
  const env = {
    PROFILE: 'production',
    DATABASE_URL: withDatabase(process.env.DATABASE_URL!, id),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `${id}:`,
    MONGODB_URL: mongoUrl,
  };
  return {
    env,
    async drop() {
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect().catch(() => undefined);
      if (redis.status === 'ready') {
        for (let cursor = '0'; ;) {
          // `${id}:*` and the rebuilt generations' `${id}:g<n>:*` alike.
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 1000);
          if (keys.length) await redis.unlink(...keys);
          if ((cursor = next) === '0') break;
        }
      }
      redis.disconnect();
      const mongo = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 2_000 });
      // The database and the ones rebuilds and verifications made beside it (`${id}_g1`, ...).
      const databases = await mongo
        .db(id)
        .admin()
        .listDatabases({ nameOnly: true })
        .then((listed) =>
          listed.databases.map((d) => d.name).filter((name) => name === id || name.startsWith(`${id}_`)),
        )
        .catch(() => [id]);
      for (const name of databases) {
        await mongo
          .db(name)
          .dropDatabase()
          .catch(() => undefined);
      }
      await mongo.close();
      const pg = new PgClient({ connectionString: process.env.DATABASE_URL });
      await pg.connect();
      await pg.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
      await pg.end();
    },
  };
}

export type TwoInstances = {
  readonly a: RunningApp;
  readonly b: RunningApp;
  /** The fresh production profile both run on (its Redis prefix, databases). */
  readonly env: Record<string, string>;
  /** Closes both and drops the profile's databases and keys. */
  close(): Promise<void>;
};

/**
 * Two production instances (INSTANCE_ID `<name>-a`, `<name>-b`) on one fresh
 * production profile, with `settings` on top: what a suite behind a load
 * balancer starts in its beforeAll. Whatever started is closed again if the
 * second start fails.
 */
export async function startTwoInstances(
  name: string,
  settings: Record<string, string> = {},
  options: CoreOptions = {},
): Promise<TwoInstances> {
  const fresh = await freshProductionEnv();
  const started: RunningApp[] = [];
  const close = async () => {
    for (const running of started) await running.close();
    await fresh.drop();
  };
  try {
    for (const side of ['a', 'b']) {
      started.push(await startApp({ ...fresh.env, ...settings, INSTANCE_ID: `${name}-${side}` }, options));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { a: started[0], b: started[1], env: fresh.env, close };
}
