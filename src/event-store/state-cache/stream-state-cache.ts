import { LRUCache } from 'lru-cache';
import type { RecordedEvent } from '../event-store.port';
import { approximateBytes } from './approximate-size';

/** A stream's state as its category folds it, and the revision it was folded to (-1: no event yet). */
export type StreamState<S = unknown> = { readonly state: S; readonly revision: number };

/** What the cache needs of a decider: how to start and how to apply an event. */
export type StateFolder = {
  readonly initialState: () => unknown;
  readonly evolve: (state: never, event: never) => unknown;
};

type Entry = StreamState & { readonly bytes: number };

export type StreamStateCacheCounts = { hits: number; misses: number };

/**
 * The folded state of the streams this process decided on lately, bounded by
 * a memory budget and evicting the least recently used, so an instance's
 * memory follows its working set, never the length of the log. It is only
 * ever a guess: appends still carry the expected revision, and a conflict
 * evicts the entry so the next attempt reads the stream.
 */
export class StreamStateCache {
  private readonly entries: LRUCache<string, Entry>;
  readonly counts: StreamStateCacheCounts = { hits: 0, misses: 0 };

  constructor(
    private readonly folders: Readonly<Record<string, StateFolder>>,
    readonly budgetBytes: number,
    /** Streams an event announces as new and empty (a concert's seats), so their first command needs no read. */
    private readonly announces: (event: RecordedEvent) => readonly string[] = () => [],
  ) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: budgetBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
    });
  }

  /** The category's folder, or undefined for a stream this cache does not keep. */
  folderOf(streamId: string): StateFolder | undefined {
    return this.folders[categoryOf(streamId)];
  }

  get bytes(): number {
    return this.entries.calculatedSize;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records that a stream is known not to exist yet (revision -1). */
  assumeNew(streamId: string): void {
    const folder = this.folderOf(streamId);
    if (folder && !this.entries.has(streamId)) this.set(streamId, folder.initialState(), -1);
  }

  get<S>(streamId: string): StreamState<S> | undefined {
    const entry = this.entries.get(streamId);
    if (!entry) {
      this.counts.misses += 1;
      return undefined;
    }
    this.counts.hits += 1;
    return { state: entry.state as S, revision: entry.revision };
  }

  set(streamId: string, state: unknown, revision: number): void {
    // A state larger than the whole budget is not kept: lru-cache would refuse it anyway.
    const bytes = approximateBytes(state) + streamId.length * 2;
    if (bytes > this.budgetBytes) {
      this.entries.delete(streamId);
      return;
    }
    this.entries.set(streamId, { state, revision, bytes });
  }

  evict(streamId: string): void {
    this.entries.delete(streamId);
  }

  /**
   * Applies events from the log to the streams already cached (and to the
   * streams they announce); a gap (an event this cache cannot place) evicts
   * the stream. A stream not cached stays uncached: following the log must
   * not fill the budget with streams nobody here decides on.
   */
  observe(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      for (const streamId of this.announces(event)) this.assumeNew(streamId);
      const entry = this.entries.peek(event.streamId);
      if (!entry) continue;
      if (event.revision <= entry.revision) continue;
      if (event.revision !== entry.revision + 1) {
        this.evict(event.streamId);
        continue;
      }
      const folder = this.folderOf(event.streamId)!;
      this.set(event.streamId, folder.evolve(entry.state as never, event as never), event.revision);
    }
  }
}

export const categoryOf = (streamId: string) => streamId.slice(0, streamId.indexOf('-'));
