import { RunningApp, startApp } from './app';
import { User } from './client';
import { sameUserOn } from './e2e';
import { freshProductionEnv } from './production';

/**
 * Starts another instance on the same event store but with empty Redis keys
 * and an empty MongoDB database (on the servers `stores` names), lets it
 * rebuild them from the log alone, and expects every answer `users` get from
 * `app` at `position` to be the one the rebuilt stores give.
 */
export async function expectSameAsFreshReplay(
  app: RunningApp,
  env: Record<string, string>,
  users: readonly User[],
  paths: readonly string[],
  position: number,
  stores: Partial<Record<'REDIS_URL' | 'MONGODB_URL', string>> = {},
): Promise<void> {
  const replayed = await freshProductionEnv(stores);
  const { KAFKA_BROKERS: _feed, ...withoutBroker } = env;
  const other = await startApp({
    ...withoutBroker,
    REDIS_KEY_PREFIX: replayed.env.REDIS_KEY_PREFIX,
    MONGODB_URL: replayed.env.MONGODB_URL,
  });
  try {
    const at = { 'x-min-position': String(position) };
    for (const user of users) {
      for (const path of paths) {
        const mine = await sameUserOn(app.client, user).call('GET', path, undefined, at);
        const theirs = await sameUserOn(other.client, user).call('GET', path, undefined, at);
        expect(mine.headers.get('x-data-stale')).toBeNull();
        expect({ path, status: mine.status, body: mine.body }).toEqual({
          path,
          status: theirs.status,
          body: theirs.body,
        });
      }
    }
  } finally {
    await other.close();
    await replayed.drop();
  }
}
