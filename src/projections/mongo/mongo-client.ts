import { MongoClient, MongoClientOptions } from 'mongodb';

export const DEFAULT_DATABASE = 'rush_tickets';

/** Mechanisms whose credentials never live in a database, so an authSource must not be guessed for them. */
const EXTERNAL_AUTH = /authMechanism=(MONGODB-X509|GSSAPI|MONGODB-AWS|MONGODB-OIDC|PLAIN)/i;

/**
 * A client for the read models, failing fast while the server is away: a
 * query gives up within ~2 s (the read breaker answers stale instead) and a
 * runner's apply fails and is retried, instead of queueing behind a dead socket.
 * `client.db()` is the database named in the URL's path, or `rush_tickets`.
 * `overrides` tighten it for one use (queries give up sooner than a runner).
 */
export function createMongoClient(url: string, overrides: MongoClientOptions = {}): MongoClient {
  const named = databaseInUrl(url);
  // Naming the default database would also make the driver check credentials
  // against it; keep them checked against `admin`, as with no database at all.
  const keepAuthSource = /^[^/]*\/\/[^/]*@/.test(url) && !/[?&]authSource=/i.test(url) && !EXTERNAL_AUTH.test(url);
  return new MongoClient(url, {
    serverSelectionTimeoutMS: 2_000,
    connectTimeoutMS: 2_000,
    socketTimeoutMS: 10_000,
    maxPoolSize: 20,
    ...overrides,
    ...(named ? {} : { dbName: DEFAULT_DATABASE, ...(keepAuthSource ? { authSource: 'admin' } : {}) }),
  });
}

/** The database a MongoDB URL names in its path (`mongodb://host:port/<db>?options`), if any. */
export function databaseInUrl(url: string): string | undefined {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : undefined;
}
