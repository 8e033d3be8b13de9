import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  LogFilter,
  NewEvent,
  RecordedEvent,
  StoreGuarantees,
  Subscription,
  SubscriptionHandler,
} from '../event-store.port';
import { StateFolder, StreamState, StreamStateCache } from './stream-state-cache';

export const CACHED_EVENT_STORE = Symbol('CACHED_EVENT_STORE');

/**
 * The event store port with the stream-state cache in front of it: what the
 * write side decides on. `cached` is a guess that the append's expected
 * revision checks; `load` reads the stream (only what follows the cached
 * revision, when there is one) and folds it.
 */
export class CachedEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    readonly states: StreamStateCache,
  ) {}

  get guarantees(): StoreGuarantees {
    return this.inner.guarantees;
  }

  /** The cached state of a stream, if this process has one; never a read. */
  cached<S>(streamId: string): StreamState<S> | undefined {
    return this.states.get<S>(streamId);
  }

  /**
   * The state of a stream as the store has it now. A cached entry is brought
   * up to date by reading only the events after its revision, so a long hot
   * stream (a seat, an admission ledger) is not read from its start again.
   */
  async load<S>(streamId: string, folder: StateFolder): Promise<StreamState<S>> {
    const cached = this.states.folderOf(streamId) === folder ? this.states.get<S>(streamId) : undefined;
    const from = cached ? cached.revision + 1 : 0;
    const recorded = await this.inner.readStream(streamId, from);
    if (cached && recorded.length > 0 && recorded[0].revision !== from) {
      // Cannot happen with a store that keeps revisions dense; read it whole rather than guess.
      this.states.evict(streamId);
      return this.load(streamId, folder);
    }
    const evolve = folder.evolve as (state: S, event: RecordedEvent) => S;
    const state = recorded.reduce(evolve, cached ? cached.state : (folder.initialState() as S));
    const revision = recorded.length > 0 ? recorded[recorded.length - 1].revision : (cached?.revision ?? -1);
    if (revision >= 0 && this.states.folderOf(streamId) === folder) this.states.set(streamId, state, revision);
    return { state, revision };
  }

  /** Remembers the state a successful append left a stream in. */
  remember(streamId: string, state: unknown, revision: number): void {
    if (this.states.folderOf(streamId)) this.states.set(streamId, state, revision);
  }

  forget(streamId: string): void {
    this.states.evict(streamId);
  }

  /** A stream id nobody has written yet (a new reservation): its first command needs no read. */
  assumeNew(streamId: string): void {
    this.states.assumeNew(streamId);
  }

  /** Events from the log (other instances' too) keep the cached states current. */
  observe(events: readonly RecordedEvent[]): void {
    this.states.observe(events);
  }

  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expected);
  }

  readStream(streamId: string, fromRevision?: number): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamId, fromRevision);
  }

  readAll(after: number, limit: number, filter?: LogFilter): Promise<RecordedEvent[]> {
    return this.inner.readAll(after, limit, filter);
  }

  subscribe(after: number, handler: SubscriptionHandler): Subscription {
    return this.inner.subscribe(after, handler);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  /** The inner store belongs to whoever opened it. */
  async close(): Promise<void> {}
}
