import type Redis from 'ioredis';
import { QueueKeys } from '../../projections/redis/queue-keys';
import { QUEUE_STATUSES, READ_QUEUE_ENTRY, READ_QUEUE_ENTRY_LUA } from '../../projections/redis/queue-scripts';
import { QueueEntryRead, QueueReads } from './read-store.port';

type ReadScript = (
  entryKey: string,
  waitingKey: string,
  admissionsKey: string,
  metaKey: string,
  entryId: string,
  now: string,
  minuteAgo: string,
) => Promise<
  | [
      userId: string,
      status: number,
      position: number,
      admittedLastMinute: number,
      admitPerMinute: number,
      opensAt: number,
    ]
  | null
>;

const MINUTE_MS = 60_000;

/** Queue status from the Redis read model: one script call, six small values back. */
export class RedisQueueReads implements QueueReads {
  private readonly keys: QueueKeys;
  private readonly readScript: ReadScript;

  constructor(redis: Redis, options: { readonly prefix?: string } = {}) {
    this.keys = new QueueKeys(options.prefix);
    redis.defineCommand(READ_QUEUE_ENTRY, { numberOfKeys: 4, lua: READ_QUEUE_ENTRY_LUA, readOnly: true });
    this.readScript = (redis as unknown as Record<string, ReadScript>)[READ_QUEUE_ENTRY].bind(redis);
  }

  async entry(concertId: string, entryId: string, now: number): Promise<QueueEntryRead | undefined> {
    const reply = await this.readScript(
      this.keys.entry(concertId, entryId),
      this.keys.waiting(concertId),
      this.keys.admissions(concertId),
      this.keys.meta(concertId),
      entryId,
      String(now),
      `(${now - MINUTE_MS}`,
    );
    if (!reply) return undefined;
    const [userId, status, position, admittedLastMinute, admitPerMinute, opensAt] = reply;
    if (QUEUE_STATUSES[status] === 'PRE_QUEUE') return { userId, status: 'PRE_QUEUE', admittedLastMinute, opensAt };
    return {
      userId,
      status: QUEUE_STATUSES[status],
      ...(position > 0 ? { position } : {}),
      admittedLastMinute,
      ...(admitPerMinute > 0 ? { admitPerMinute } : {}),
    };
  }
}
