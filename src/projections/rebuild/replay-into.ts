import { EventStore, RecordedEvent } from '../../event-store/event-store.port';
import { ProjectionSink } from '../projection-sink';

export type ReplayProgress = {
  /** Events applied by this call so far. */
  readonly done: number;
  /** Events this call has to apply in all, as far as it knows (the head moves while it runs). */
  readonly total: number;
  readonly position: number;
  readonly head: number;
  readonly eventsPerSecond: number;
};

export type ReplayOptions = {
  /** Events per `sink.apply`: large batches let a store write each document once per batch. */
  readonly batchSize?: number;
  /** Stop at this position instead of following the head until caught up. */
  readonly until?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly signal?: AbortSignal;
};

const DEFAULT_BATCH = 5_000;
/** Pages being read at once, besides the one being applied. */
const READ_AHEAD = 3;

/**
 * A sink that can build a whole read model in memory when its store is empty
 * and write it once at the end (see MongoDocumentsSink.beginBulkLoad).
 */
type BulkLoading = {
  beginBulkLoad(): Promise<boolean>;
  endBulkLoad(): Promise<void>;
  abandonBulkLoad(): Promise<void> | void;
};

const canBulkLoad = (sink: ProjectionSink): sink is ProjectionSink & BulkLoading =>
  typeof (sink as Partial<BulkLoading>).beginBulkLoad === 'function';

/**
 * Replays the log into one store from the store's own checkpoint, so a replay
 * that was interrupted (a crash, kill -9) resumes where the store got to. It
 * follows the head until it has caught up with it (or reaches `until`), and
 * returns the position it stopped at. The next page is read while the
 * current one is written.
 */
export async function replayInto(
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  sink: ProjectionSink,
  options: ReplayOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const started = Date.now();
  const from = await sink.checkpoint();
  let position = from;
  let head = options.until ?? (await store.headPosition());
  const report = () =>
    options.onProgress?.({
      done: position - from,
      total: head - from,
      position,
      head,
      eventsPerSecond: Math.round(((position - from) * 1000) / Math.max(1, Date.now() - started)),
    });
  /**
   * Pages read ahead, each after the position the previous one should end at
   * (positions are dense, so a full page ends `batchSize` on); a page whose
   * predecessor ended elsewhere is dropped and read again. Several reads in
   * flight keep a server-side store busy on more than one connection.
   */
  let ahead: { after: number; page: Promise<RecordedEvent[]> }[] = [];
  const readAt = (after: number) => {
    const page = store.readAll(after, Math.min(batchSize, head - after));
    page.catch(() => undefined); // awaited below; a failure while the previous page is written must not go unhandled
    return { after, page };
  };
  const read = (after: number): Promise<RecordedEvent[]> | undefined => {
    if (ahead[0]?.after !== after) ahead = [];
    for (let from = ahead.length ? ahead[ahead.length - 1].after + batchSize : after; ahead.length < READ_AHEAD;) {
      if (from >= head) break;
      ahead.push(readAt(from));
      from += batchSize;
    }
    return ahead.shift()?.page;
  };
  // A replay from zero into an empty store may build it in memory and write it at the end.
  const bulk = from === 0 && canBulkLoad(sink) && (await sink.beginBulkLoad()) ? sink : undefined;
  try {
    await follow();
  } catch (error) {
    await bulk?.abandonBulkLoad();
    throw error;
  }
  await bulk?.endBulkLoad();
  report();
  return position;

  async function follow(): Promise<void> {
    let next = read(position);
    for (;;) {
      options.signal?.throwIfAborted();
      const page = next ? await next : [];
      if (!page.length) {
        if (options.until !== undefined) break;
        const latest = await store.headPosition();
        if (latest <= position) break;
        head = latest;
        next = read(position);
        continue;
      }
      const last = page[page.length - 1].position;
      next = read(last);
      await sink.apply(page);
      position = last;
      report();
    }
  }
}
