import type Redis from 'ioredis';
import type { MongoClient } from 'mongodb';
import { COLLECTION_NAMES } from '../mongo/collections';
import { MongoDocumentsSink } from '../mongo/mongo-documents.sink';
import type { DocumentProjections } from '../mongo/whole-documents';
import { ProjectionSink } from '../projection-sink';
import { QueueKeys } from '../redis/queue-keys';
import { RedisQueueSink } from '../redis/redis-queue.sink';
import { MongoDocumentReads } from '../../read/stores/mongo-document.reads';
import { RedisQueueReads } from '../../read/stores/redis-queue.reads';
import { DocumentReads, QueueReads } from '../../read/stores/read-store.port';

/**
 * One read-model store and the copies of it that can live side by side: the
 * live one, a rebuild's new generation, a verify's scratch copy. A variant
 * is a name ('' for generation 0, `g<n>` for generation n, anything else for
 * a scratch copy) that becomes a Redis key prefix or a MongoDB database.
 */
export interface StoreVariants<Reads> {
  /** The sink's name, e.g. `redis-queues`. */
  readonly name: string;
  /** The store's identity, whatever its generation (server and base prefix or database). */
  readonly target: string;
  /** Where a variant lives, for humans and for lease names. */
  label(variant: string): string;
  sink(variant: string): ProjectionSink;
  reads(variant: string): Reads;
  /** Every document of a variant by a stable key, checkpoints and versions left out (for a comparison). */
  dump(variant: string): Promise<Map<string, unknown>>;
  /** Deletes a variant entirely. */
  drop(variant: string): Promise<void>;
}

export const variantOf = (generation: number): string => (generation === 0 ? '' : `g${generation}`);

const withoutCredentials = (url: string) => url.replace(/\/\/[^@/]*@/, '//');
const SCAN_COUNT = 1_000;

/** `clients.reads` serves queries, `clients.writes` the sink and the maintenance (they may be one client). */
export function redisQueueVariants(
  clients: { readonly reads: Redis; readonly writes: Redis },
  url: string,
  basePrefix: string,
): StoreVariants<QueueReads> {
  const redis = clients.writes;
  const prefix = (variant: string) => (variant ? `${basePrefix}${variant}:` : basePrefix);
  const keys = async (variant: string) => {
    const pattern = new QueueKeys(prefix(variant)).pattern;
    const found: string[] = [];
    for (let cursor = '0'; ;) {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      found.push(...batch);
      if ((cursor = next) === '0') break;
    }
    return found;
  };
  return {
    name: 'redis-queues',
    target: `${withoutCredentials(url)}#${basePrefix}`,
    label: (variant) => `${withoutCredentials(url)}#${prefix(variant)}`,
    sink: (variant) => new RedisQueueSink(redis, { prefix: prefix(variant) }),
    reads: (variant) => new RedisQueueReads(clients.reads, { prefix: prefix(variant) }),
    async dump(variant) {
      const queueKeys = new QueueKeys(prefix(variant));
      const dumped = new Map<string, unknown>();
      for (const key of (await keys(variant)).sort()) {
        if (key === queueKeys.checkpoint || key === queueKeys.version) continue;
        const type = await redis.type(key);
        const value =
          type === 'hash'
            ? await redis.hgetall(key)
            : type === 'zset'
              ? await redis.zrange(key, 0, -1, 'WITHSCORES')
              : await redis.get(key);
        dumped.set(key.slice(queueKeys.root.length), value);
      }
      return dumped;
    },
    async drop(variant) {
      const found = await keys(variant);
      for (let i = 0; i < found.length; i += SCAN_COUNT) await redis.unlink(...found.slice(i, i + SCAN_COUNT));
    },
  };
}

/**
 * `clients.reads` serves queries, `clients.writes` the sink and the maintenance (they may be one client);
 * `projections` replaces definitions the sink applies (another version of one, in a test).
 */
export function mongoDocumentVariants(
  clients: MongoClient | { readonly reads: MongoClient; readonly writes: MongoClient },
  url: string,
  projections?: Partial<DocumentProjections>,
): StoreVariants<DocumentReads> {
  const { reads, writes: mongo } = 'writes' in clients ? clients : { reads: clients, writes: clients };
  const base = mongo.db().databaseName;
  const db = (variant: string) => mongo.db(variant ? `${base}_${variant}` : base);
  return {
    name: 'mongo-documents',
    target: `${withoutCredentials(url)}#${base}`,
    label: (variant) => `${withoutCredentials(url)}#${db(variant).databaseName}`,
    sink: (variant) => new MongoDocumentsSink(db(variant), { projections }),
    reads: (variant) => new MongoDocumentReads(reads.db(db(variant).databaseName)),
    async dump(variant) {
      const dumped = new Map<string, unknown>();
      for (const name of Object.values(COLLECTION_NAMES)) {
        if (name === COLLECTION_NAMES.checkpoints) continue;
        const documents = await db(variant).collection(name).find({}).sort({ _id: 1 }).toArray();
        for (const document of documents) dumped.set(`${name}/${String(document._id)}`, document);
      }
      return dumped;
    },
    async drop(variant) {
      await db(variant).dropDatabase();
    },
  };
}
