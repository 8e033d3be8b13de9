/**
 * The event store port. It offers what KurrentDB/EventStoreDB offers, so an
 * adapter for it can be added without touching any slice.
 */
export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * A revision is the 0-based index of an event in its stream, as in KurrentDB.
 * Positions and revisions are plain numbers: 2^53 events is out of reach.
 */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | number;

export type EventMetadata = {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** The shape version of the event's data (see upcasting/); stamped by the store, 1 when absent. */
  readonly schemaVersion?: number;
  readonly [key: string]: unknown;
};

export type NewEvent = {
  /** Client-chosen id: appending the same id twice writes it once. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: EventMetadata;
};

export type RecordedEvent = {
  readonly id: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
};

export type AppendResult = {
  /** Revision of the stream's last event after the append. */
  readonly nextRevision: number;
  /** Global position of the last event written. */
  readonly position: number;
};

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/**
 * Why an import page was refused: the store was not empty at the first page,
 * something else wrote between pages, or the page itself is not a valid
 * continuation (positions out of order, an id or revision written twice).
 */
export class ImportRefusedError extends Error {
  constructor(
    readonly reason: 'store_not_empty' | 'head_moved' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ImportRefusedError';
  }
}

export type Subscription = {
  /** Resolves once the subscriber has caught up with the head at subscribe time. */
  readonly caughtUp: Promise<void>;
  close(): Promise<void>;
};

/** Which events a filtered read of the log returns. */
export type LogFilter = { readonly types: readonly string[] };

export type SubscriptionHandler = (events: readonly RecordedEvent[]) => Promise<void> | void;

/**
 * What an adapter gives beyond the port's methods. Every adapter must give:
 * per-stream optimistic concurrency (an append with a stale expected
 * revision fails with WrongExpectedRevisionError and writes nothing), an
 * acknowledged append being durable, one global order of all events that
 * every read and subscription follows (positions strictly rise along it and
 * a reader never sees a later event before an earlier one is readable), and
 * appends of event ids already in the stream at that revision writing
 * nothing. What an adapter may lack is named here, and callers ask instead
 * of assuming.
 */
export type StoreGuarantees = {
  /**
   * Appends made one after another, without waiting, are committed in that
   * order, and an acknowledged append implies every earlier one is durable
   * too (the SQL stores: one writer queue, group-committed). The hold process
   * relies on it to start its seats right behind its request; without it
   * (KurrentDB: each append is its own call) it waits for the request first.
   */
  readonly appendsCommitInOrder: boolean;
  /**
   * Positions rise by exactly one per event, so head - position counts events
   * (the SQL stores). Without it (KurrentDB: positions are offsets in the
   * server's log) a lag is a distance, not a count.
   */
  readonly densePositions: boolean;
};

export interface EventStore {
  readonly guarantees: StoreGuarantees;
  /** Commits `events` at the end of the stream if it is at `expected`; see StoreGuarantees for ordering. */
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Events of one stream in revision order from `fromRevision` (default 0, the
   * whole stream); empty when the stream does not exist or has nothing from there.
   */
  readStream(streamId: string, fromRevision?: number): Promise<RecordedEvent[]>;
  /**
   * Events of the global log with position > `after`, in position order; with
   * `filter`, only those of its types (KurrentDB filters $all on the server the
   * same way), so a process can follow a few event types without reading the rest.
   */
  readAll(after: number, limit: number, filter?: LogFilter): Promise<RecordedEvent[]>;
  /** Catch up from `after`, then deliver live events in position order, each exactly once. */
  subscribe(after: number, handler: SubscriptionHandler): Subscription;
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The operator's side of an event store, beside the port every slice uses:
 * export and import, filtered pages and statistics for the admin tools, and
 * what readiness and metrics report. An adapter implements both.
 */
export const EVENT_STORE_ADMIN = Symbol('EVENT_STORE_ADMIN');

/** Which events an operator's page of the log holds: positions in (after, until], optionally one category and type. */
export type LogSelection = {
  readonly after: number;
  readonly until: number;
  readonly limit: number;
  /** Streams `{category}-...` only. */
  readonly category?: string;
  readonly type?: string;
};

/** What the log holds, per stream category and event type. */
export type StoredStats = {
  readonly streams: number;
  /** The log's storage on disk, indexes included. */
  readonly storageBytes: number;
  readonly byType: readonly {
    readonly category: string;
    readonly type: string;
    readonly events: number;
    /** Bytes of event data and metadata as stored, summed. */
    readonly bytes: number;
    readonly firstPosition: number;
    readonly lastPosition: number;
  }[];
};

export interface EventStoreAdmin extends EventStore {
  /** Which adapter this is, as readiness reports it ('pglite', 'postgres', 'kurrentdb'). */
  readonly kind: string;
  /** Like readAll, but exactly as stored: no upcasting. For moving a log to another store. */
  readStored(after: number, limit: number): Promise<RecordedEvent[]>;
  /**
   * Writes recorded events as they are (ids, streams, revisions, positions,
   * times, metadata) on top of `after`, which must be the store's head: 0 for
   * the first page, so only an empty store accepts an import, then the head
   * the previous page left. Positions must rise by one (the first page may
   * start anywhere, for a partial export). Returns the new head.
   */
  importEvents(after: number, events: readonly RecordedEvent[]): Promise<number>;
  /** Up to `limit` events of the selection, in position order and current shape. */
  readSelected(selection: LogSelection): Promise<RecordedEvent[]>;
  stats(): Promise<StoredStats>;
  /** Runs after every append this process commits, with the events it wrote (not for imports). */
  onWritten(listener: (events: readonly RecordedEvent[]) => void): void;
}
