import { loadConfig } from '../config';
import { DEFAULT_KEY_PREFIX } from '../projections/redis/queue-keys';
import { CliError } from './cli-error';
import { DirectTarget } from './direct-target';
import { RemoteTarget } from './remote-target';
import { Target } from './target';

/** The options every command takes (commander's `optsWithGlobals()`). */
export type GlobalOptions = {
  readonly url?: string;
  readonly adminKey?: string;
  readonly json?: boolean;
};

/**
 * `--url`: the running service, authenticated with the admin key. Otherwise
 * the stores the service would open from this environment: DATA_DIR
 * (embedded PGlite), DATABASE_URL (PostgreSQL) or, with EVENT_STORE=kurrentdb,
 * KURRENTDB_URL (coordination still at DATABASE_URL).
 */
export async function openTarget(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  { create = false }: { create?: boolean } = {},
): Promise<Target> {
  if (options.url) {
    const key = options.adminKey ?? env.ADMIN_KEY;
    if (!key) throw new CliError('--url needs the admin key: pass --admin-key <key> or set ADMIN_KEY');
    if (!/^https?:\/\//.test(options.url)) throw new CliError(`--url ${options.url} is not an http(s) URL`);
    return new RemoteTarget(options.url, key);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    // Only the event store matters here: a production environment without its Redis or MongoDB is fine.
    const production = env.PROFILE === 'production';
    config = loadConfig({
      ...env,
      PROFILE: 'embedded',
      ...(production ? { EVENT_STORE: env.EVENT_STORE ?? 'postgres' } : {}),
    });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  // With the production read stores named too, the projections:* commands reach them.
  const external =
    env.REDIS_URL && env.MONGODB_URL
      ? { redisUrl: env.REDIS_URL, redisPrefix: env.REDIS_KEY_PREFIX ?? DEFAULT_KEY_PREFIX, mongoUrl: env.MONGODB_URL }
      : undefined;
  return DirectTarget.open(config.eventStore, create, external);
}
