import type Redis from 'ioredis';
import { RecordedEvent } from '../../event-store/event-store.port';
import { isPreQueueSeed } from '../../shared/pre-queue-order';
import type { ConcertCreated, ConcertOnSaleRescheduled } from '../../write/catalog/concert.decider';
import type { AdmissionRateSet, QueueAdmitted, QueueOpened } from '../../write/queue/admission.decider';
import type { QueueCompleted, QueueJoined } from '../../write/queue/queue-entry.decider';
import { ProjectionSink } from '../projection-sink';
import { queuesProjection, rateOf, timeOf } from '../queue.projection';
import { storeVersion } from '../rebuild/store-version';
import { QueueKeys } from './queue-keys';
import { APPLY_QUEUE_EVENTS, APPLY_QUEUE_EVENTS_LUA } from './queue-scripts';
import { whenReady } from './redis-client';

type ApplyScript = (checkpointKey: string, concertRoot: string, batch: string, last: string) => Promise<unknown>;
type Encoded = (string | number | string[])[];

const SCAN_COUNT = 1_000;
/** How the keys are laid out (queue-keys.ts and the Lua script); the queue projection's version comes on top. */
const LAYOUT = 3;

/**
 * The queue read model in Redis (see queue-keys.ts for the layout). A batch
 * and its checkpoint land in one script call, so a crash never leaves half a
 * batch behind and a re-delivery applies nothing twice.
 */
export class RedisQueueSink implements ProjectionSink {
  readonly name = 'redis-queues';
  /**
   * The layout and the queue projection's version (`3 queues@3`): the Lua
   * script is this store's form of that projection, so bumping the
   * projection's version rebuilds these keys blue/green too.
   */
  readonly version = storeVersion(LAYOUT, [queuesProjection]);
  readonly keys: QueueKeys;
  /** Queue events whose data did not have the declared shape (the in-memory runner counts these as poison). */
  skipped = 0;
  private readonly applyScript: ApplyScript;

  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly prefix?: string; readonly ownsClient?: boolean } = {},
  ) {
    this.keys = new QueueKeys(options.prefix);
    redis.defineCommand(APPLY_QUEUE_EVENTS, { numberOfKeys: 1, lua: APPLY_QUEUE_EVENTS_LUA });
    this.applyScript = (redis as unknown as Record<string, ApplyScript>)[APPLY_QUEUE_EVENTS].bind(redis);
  }

  async prepare(): Promise<void> {
    await whenReady(this.redis);
    // Loaded here so that a broken script fails the start, not the first batch.
    await this.redis.script('LOAD', APPLY_QUEUE_EVENTS_LUA);
  }

  async checkpoint(): Promise<number> {
    return Number(await this.redis.get(this.keys.checkpoint)) || 0;
  }

  async storedVersion(): Promise<string | undefined> {
    return (await this.redis.get(this.keys.version)) ?? undefined;
  }

  async recordVersion(): Promise<void> {
    await this.redis.set(this.keys.version, this.version);
  }

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    const last = events[events.length - 1];
    if (!last) return;
    const batch = this.encode(events);
    await this.applyScript(this.keys.checkpoint, this.keys.concertRoot, JSON.stringify(batch), String(last.position));
  }

  async reset(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.pattern, 'COUNT', SCAN_COUNT);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Quits the client only when it was handed over; a shared one belongs to whoever made it. */
  async close(): Promise<void> {
    if (this.options.ownsClient) await this.redis.quit();
  }

  /** Only what the script needs, as arrays: most events of a batch are not queue events and are dropped here. */
  private encode(events: readonly RecordedEvent[]): Encoded[] {
    const batch: Encoded[] = [];
    for (const event of events) {
      if (!queuesProjection.handles.includes(event.type)) continue;
      const encoded = encodeQueueEvent(event);
      if (encoded) batch.push(encoded);
      else this.skipped += 1;
    }
    return batch;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';

function encodeQueueEvent(event: RecordedEvent): Encoded | undefined {
  // The in-memory projection's own routing, so both stores file an event under the same concert.
  const concertId = queuesProjection.documentIds(event)[0];
  if (!isString(concertId)) return undefined;
  if (event.type === 'QueueJoined') {
    const { entryId, userId } = (event.data ?? {}) as Partial<QueueJoined['data']>;
    if (!isString(entryId) || !isString(userId)) return undefined;
    return ['j', event.position, concertId, entryId, userId];
  }
  if (event.type === 'QueueAdmitted') {
    const { entries, activeUntil } = (event.data ?? {}) as Partial<QueueAdmitted['data']>;
    if (!Array.isArray(entries) || !isString(activeUntil)) return undefined;
    const ids = entries.map((entry) => entry?.entryId);
    if (!ids.every(isString)) return undefined;
    const until = Date.parse(activeUntil);
    // An unparsable time reads EXPIRED in memory (NaN > now is false); -1 does the same here.
    return ['a', event.position, concertId, event.recordedAt.getTime(), Number.isFinite(until) ? until : -1, ids];
  }
  if (event.type === 'QueueCompleted') {
    const { entryId } = (event.data ?? {}) as Partial<QueueCompleted['data']>;
    return isString(entryId) ? ['c', event.position, concertId, entryId] : undefined;
  }
  if (event.type === 'QueueOpened') {
    const { seed } = (event.data ?? {}) as Partial<QueueOpened['data']>;
    return isPreQueueSeed(seed) ? ['o', event.position, concertId, seed] : undefined;
  }
  const settings = settingsOf(event);
  return settings ? ['m', event.position, concertId, settings] : undefined;
}

/** The concert settings an event sets, as the in-memory projection reads them ('' deletes a field). */
function settingsOf(event: RecordedEvent): string[] | undefined {
  const rate = (value: unknown) => String(rateOf(value) ?? '');
  const time = (value: unknown) => String(timeOf(value) ?? '');
  switch (event.type) {
    case 'ConcertCreated': {
      const created = event.data as Partial<ConcertCreated['data']> | undefined;
      return ['rate', rate(created?.admitPerMinute), 'opens', time(created?.onSaleAt)];
    }
    case 'ConcertOnSaleRescheduled': {
      // An unparsable time keeps the opening in force, as in memory.
      const opens = time((event.data as Partial<ConcertOnSaleRescheduled['data']> | undefined)?.onSaleAt);
      return opens === '' ? [] : ['opens', opens];
    }
    case 'AdmissionRateSet':
      return ['rate', rate((event.data as Partial<AdmissionRateSet['data']>)?.admitPerMinute)];
    case 'AdmissionPaused':
      return ['paused', '1'];
    case 'AdmissionResumed':
      return ['paused', ''];
    default:
      return undefined;
  }
}
