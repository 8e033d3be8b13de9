import { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { Decider, Event } from './decider';

type Entry = { state: unknown; revision: number };
type AnyDecider = Decider<unknown, never, Event>;

const MAX_STREAMS = 2_000_000;

/**
 * The folded state of every stream this process has seen, so a command
 * normally decides without reading its stream first. It is only ever a
 * guess: appends still carry the expected revision, and a conflict evicts
 * the entry so the next attempt reads the stream. It is fed by this
 * process's own appends and by the projection runner's subscription (which
 * also carries other instances' events).
 */
export class StreamStateCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly deciders: Readonly<Record<string, AnyDecider>>,
    /** Streams an event announces as new and empty (a concert's seats), so their first command needs no read. */
    private readonly announces: (event: RecordedEvent) => readonly string[] = () => [],
  ) {}

  /** Records that a stream is known not to exist yet (revision -1). */
  assumeNew(streamId: string): void {
    const decider = this.deciders[categoryOf(streamId)];
    if (decider && !this.entries.has(streamId)) this.set(streamId, decider.initialState(), -1);
  }

  get(streamId: string): Entry | undefined {
    return this.entries.get(streamId);
  }

  set(streamId: string, state: unknown, revision: number): void {
    if (this.entries.size >= MAX_STREAMS && !this.entries.has(streamId)) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(streamId, { state, revision });
  }

  evict(streamId: string): void {
    this.entries.delete(streamId);
  }

  /** Applies events from the log; a gap (an event this cache cannot place) evicts the stream. */
  observe(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      for (const streamId of this.announces(event)) this.assumeNew(streamId);
      const decider = this.deciders[categoryOf(event.streamId)];
      if (!decider) continue;
      const entry = this.entries.get(event.streamId);
      const revision = entry?.revision ?? -1;
      if (event.revision <= revision) continue;
      if (event.revision !== revision + 1) {
        this.evict(event.streamId);
        continue;
      }
      const state = decider.evolve(entry ? entry.state : decider.initialState(), event as unknown as Event);
      this.set(event.streamId, state, event.revision);
    }
  }
}

const categoryOf = (streamId: string) => streamId.slice(0, streamId.indexOf('-'));

const caches = new WeakMap<EventStore, StreamStateCache>();

export const attachStateCache = (store: EventStore, cache: StreamStateCache) => caches.set(store, cache);
export const stateCacheOf = (store: EventStore) => caches.get(store);
