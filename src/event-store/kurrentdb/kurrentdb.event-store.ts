import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Filter,
  type JSONType,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import {
  AppendResult,
  EventStoreAdmin,
  ExpectedRevision,
  ImportRefusedError,
  LogFilter,
  LogSelection,
  NewEvent,
  RecordedEvent,
  StoreGuarantees,
  StoredStats,
  Subscription,
  SubscriptionHandler,
} from '../event-store.port';
import type { SqlClient } from '../sql-client';
import { EVENT_UPCASTERS } from '../upcasting/event-upcasters';
import { Upcasters } from '../upcasting/upcasters';
import {
  KurrentRecorded,
  RECORDED_AT_KEY,
  conflictOf,
  kurrentIdentity,
  positionOf,
  readPositionAfter,
  recordedOf,
  streamStateOf,
  typesRegex,
} from './kurrentdb-mapping';
import { subscribeBatched } from './kurrentdb-subscription';

export type KurrentDbOptions = {
  /**
   * Streams of this store are named `{prefix}{streamId}` and reads see only
   * those: several deployments (or test runs) can share one server. Empty
   * in production.
   */
  readonly streamPrefix?: string;
  readonly upcasters?: Upcasters;
  /**
   * The SQL database kept beside the log for coordination (see
   * open-event-store.ts); the store owns it and closes it with itself.
   */
  readonly coordinationSql?: SqlClient;
};

/** How many filtered events a server-side search looks through before it reports back. */
const CHECKPOINT_INTERVAL = 1;
/** Events per read when the admin side walks the log. */
const PAGE = 1_000;

/**
 * The event store port on KurrentDB (EventStoreDB), through the official
 * @kurrent/kurrentdb-client. KurrentDB itself checks expected revisions,
 * deduplicates retried event ids, orders $all and filters it by type on the
 * server. What it does not give is in `guarantees`: appends are separate
 * calls (so their order across streams is the order they were committed,
 * not made) and positions are log offsets, not a count.
 */
export class KurrentDbEventStore implements EventStoreAdmin {
  readonly kind = 'kurrentdb';
  readonly guarantees: StoreGuarantees = { appendsCommitInOrder: false, densePositions: false };
  private readonly prefix: string;
  private readonly upcasters: Upcasters;
  private readonly listeners: ((events: readonly RecordedEvent[]) => void)[] = [];
  /** The SQL database beside the log, when it was opened with one (KurrentDbOptions.coordinationSql). */
  readonly coordinationSql: SqlClient | undefined;

  private constructor(
    private readonly client: KurrentDBClient,
    options: KurrentDbOptions,
  ) {
    this.prefix = options.streamPrefix ?? '';
    this.upcasters = options.upcasters ?? EVENT_UPCASTERS;
    this.coordinationSql = options.coordinationSql;
  }

  /** `url`: a connection string, e.g. `kurrentdb://127.0.0.1:2113?tls=false`. */
  static async open(url: string, options: KurrentDbOptions = {}): Promise<KurrentDbEventStore> {
    const client = KurrentDBClient.connectionString(url);
    const store = new KurrentDbEventStore(client, options);
    try {
      await store.headPosition(); // fails the start, not the first command, when the server is unreachable
    } catch (error) {
      await client.dispose().catch(() => undefined); // coordinationSql stays the caller's until open succeeds
      throw error;
    }
    return store;
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const name = this.prefix + streamId;
    const data = events.map((event) => {
      const sent = kurrentIdentity(event.id, this.upcasters.stamp(event.type, event.metadata));
      return jsonEvent({
        id: sent.id,
        type: event.type,
        data: event.data as JSONType,
        metadata: sent.metadata as JSONType,
      });
    });
    let result;
    try {
      result = await this.client.appendToStream(name, data, { streamState: streamStateOf(expected) });
    } catch (error) {
      throw conflictOf(error, streamId, expected);
    }
    const nextRevision = Number(result.nextExpectedRevision);
    if (!result.position) {
      // A retry the server recognised by its event ids comes back without a position and wrote nothing:
      // the position is that of its last event, which may no longer be the stream's last.
      return { nextRevision, position: await this.positionAt(streamId, nextRevision) };
    }
    const position = positionOf(result.position);
    if (this.listeners.length > 0) await this.tellWritten(streamId, events, nextRevision, position);
    return { nextRevision, position };
  }

  /** One event's record is known from the append's answer; several need reading back for their positions. */
  private async tellWritten(streamId: string, events: readonly NewEvent[], nextRevision: number, position: number) {
    const written =
      events.length === 1
        ? [
            {
              ...events[0],
              streamId,
              revision: nextRevision,
              position,
              metadata: this.upcasters.stamp(events[0].type, events[0].metadata),
              recordedAt: new Date(),
            },
          ]
        : await this.readStream(streamId, nextRevision - events.length + 1);
    for (const listener of this.listeners) listener(written);
  }

  private async positionAt(streamId: string, revision: number): Promise<number> {
    const events = this.client.readStream(this.prefix + streamId, {
      fromRevision: BigInt(revision),
      direction: FORWARDS,
      maxCount: 1,
    });
    for await (const resolved of events) if (resolved.event?.position) return positionOf(resolved.event.position);
    throw new Error(`stream ${streamId} has no event at revision ${revision} after an append acknowledged it`);
  }

  async readStream(streamId: string, fromRevision = 0): Promise<RecordedEvent[]> {
    const read: RecordedEvent[] = [];
    try {
      const events = this.client.readStream(this.prefix + streamId, {
        fromRevision: BigInt(fromRevision),
        direction: FORWARDS,
      });
      for await (const resolved of events) {
        const event = resolved.event as KurrentRecorded | undefined;
        if (event) read.push(recordedOf(event, streamId, event.position ? positionOf(event.position) : 0));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return this.upcasters.upcastAll(read);
  }

  async readAll(after: number, limit: number, filter?: LogFilter): Promise<RecordedEvent[]> {
    if (filter && filter.types.length === 0) return [];
    return this.upcasters.upcastAll(await this.scan(after, limit, filter?.types));
  }

  readStored(after: number, limit: number): Promise<RecordedEvent[]> {
    return this.scan(after, limit);
  }

  async readSelected(selection: LogSelection): Promise<RecordedEvent[]> {
    const selected: RecordedEvent[] = [];
    const types = selection.type ? [selection.type] : undefined;
    pages: for await (const page of this.pages(selection.after, types)) {
      for (const event of page) {
        if (event.position > selection.until) break pages;
        if (!selection.category || event.streamId.startsWith(`${selection.category}-`)) selected.push(event);
        if (selected.length >= selection.limit) break pages;
      }
    }
    return this.upcasters.upcastAll(selected);
  }

  subscribe(after: number, handler: SubscriptionHandler): Subscription {
    return subscribeBatched({
      open: (from) =>
        this.client.subscribeToAll({ fromPosition: this.startAfter(from), filter: this.filterFor(undefined) }),
      head: () => this.headPosition(),
      recorded: (resolved) => this.recordedOfAll(resolved),
      after,
      handler: async (events) => handler(this.upcasters.upcastAll(events)),
    });
  }

  async headPosition(): Promise<number> {
    const events = this.client.readAll({
      fromPosition: END,
      direction: BACKWARDS,
      maxCount: 1,
      filter: this.filterFor(undefined),
    });
    for await (const resolved of events) {
      const event = this.recordedOfAll(resolved);
      if (event) return event.position;
    }
    return 0;
  }

  /**
   * Statistics need a scan of the whole log here (KurrentDB keeps no
   * per-type counts): the admin tool's progress shows it.
   */
  async stats(): Promise<StoredStats> {
    const byKey = new Map<string, StoredStats['byType'][number] & { category: string }>();
    const streams = new Set<string>();
    for await (const page of this.pages(0)) {
      for (const event of page) {
        streams.add(event.streamId);
        const category = event.streamId.split('-', 1)[0];
        const key = `${category}\n${event.type}`;
        const bytes = Buffer.byteLength(JSON.stringify(event.data)) + Buffer.byteLength(JSON.stringify(event.metadata));
        const seen = byKey.get(key);
        byKey.set(key, {
          category,
          type: event.type,
          events: (seen?.events ?? 0) + 1,
          bytes: (seen?.bytes ?? 0) + bytes,
          firstPosition: seen?.firstPosition ?? event.position,
          lastPosition: event.position,
        });
      }
    }
    const byType = [...byKey.values()].sort((a, b) =>
      `${a.category}\n${a.type}`.localeCompare(`${b.category}\n${b.type}`),
    );
    // The server's disk use is not exposed to a client; 0 says "not known".
    return { streams: streams.size, storageBytes: 0, byType };
  }

  /**
   * Imports keep every event's id, stream, revision, data, metadata and
   * recorded time; positions are the server's own (rising in the page's
   * order), so the returned head is where the next page continues. Each run
   * of events of one stream is one append at the revision before it, so a
   * page that does not fit the streams as they are is refused by the server.
   */
  async importEvents(after: number, events: readonly RecordedEvent[]): Promise<number> {
    const head = await this.headPosition();
    if (head !== after) {
      throw new ImportRefusedError(
        after === 0 ? 'store_not_empty' : 'head_moved',
        after === 0
          ? `the event store is not empty (head position ${head}); import only into an empty store`
          : `the page continues position ${after} but the store's head is ${head}: something else wrote to it`,
      );
    }
    checkOrder(events);
    let position = head;
    for (let i = 0; i < events.length;) {
      let j = i + 1;
      while (j < events.length && events[j].streamId === events[i].streamId) j++;
      const run = events.slice(i, j);
      position = await this.importRun(run);
      i = j;
    }
    return position;
  }

  onWritten(listener: (events: readonly RecordedEvent[]) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    try {
      await this.client.dispose();
    } finally {
      await this.coordinationSql?.close();
    }
  }

  private async importRun(run: readonly RecordedEvent[]): Promise<number> {
    const first = run[0];
    const data = run.map((event) => {
      const sent = kurrentIdentity(event.id, { ...event.metadata, [RECORDED_AT_KEY]: event.recordedAt.toISOString() });
      return jsonEvent({
        id: sent.id,
        type: event.type,
        data: event.data as JSONType,
        metadata: sent.metadata as JSONType,
      });
    });
    try {
      const result = await this.client.appendToStream(this.prefix + first.streamId, data, {
        streamState: first.revision === 0 ? NO_STREAM : BigInt(first.revision - 1),
      });
      return result.position ? positionOf(result.position) : this.headPosition();
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      throw new ImportRefusedError(
        'invalid',
        `stream ${first.streamId} is not at revision ${first.revision - 1}: import needs the events of an export, in order`,
      );
    }
  }

  /** The log after `after` (only `types` when given) in pages of PAGE, as stored, until its end. */
  private async *pages(after: number, types?: readonly string[]): AsyncGenerator<RecordedEvent[]> {
    for (let from = after; ;) {
      const page = await this.scan(from, PAGE, types);
      if (page.length > 0) yield page;
      if (page.length < PAGE) return;
      from = page[page.length - 1].position;
    }
  }

  /** Up to `limit` events after `after`, in log order: filtered on the server, by type when `types` are given. */
  private async scan(after: number, limit: number, types?: readonly string[]): Promise<RecordedEvent[]> {
    const found: RecordedEvent[] = [];
    let from = after;
    // With a prefix and types, the server filters by stream and the types are picked here: page until enough.
    for (;;) {
      let read = 0;
      let last = from;
      const events = this.client.readAll({
        fromPosition: this.startAfter(from),
        direction: FORWARDS,
        maxCount: limit + 1, // the event at `from` itself comes back too
        filter: this.filterFor(types),
      });
      for await (const resolved of events) {
        read += 1;
        const event = this.recordedOfAll(resolved);
        if (!event || event.position <= from) continue;
        last = event.position;
        if (!types || types.includes(event.type)) found.push(event);
        if (found.length >= limit) return found;
      }
      if (!this.prefix || !types || read < limit + 1 || last === from) return found;
      from = last;
    }
  }

  private startAfter(position: number): ReadPosition {
    return position === 0 ? START : readPositionAfter(position);
  }

  /** This store's streams only, never the server's own ($-streams), and only `types` when the server can tell. */
  private filterFor(types: readonly string[] | undefined): Filter {
    if (this.prefix) return streamNameFilter({ prefixes: [this.prefix], checkpointInterval: CHECKPOINT_INTERVAL });
    if (types) return eventTypeFilter({ regex: typesRegex(types), checkpointInterval: CHECKPOINT_INTERVAL });
    return excludeSystemEvents({ checkpointInterval: CHECKPOINT_INTERVAL });
  }

  private recordedOfAll(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
    const event = resolved.event as (KurrentRecorded & { position: { commit: bigint; prepare: bigint } }) | undefined;
    if (!event || !event.streamId.startsWith(this.prefix) || event.streamId.startsWith('$')) return undefined;
    return recordedOf(event, event.streamId.slice(this.prefix.length), positionOf(event.position));
  }
}

/** A page must be in log order with every event once; the server checks the revisions. */
function checkOrder(events: readonly RecordedEvent[]): void {
  const ids = new Set<string>();
  let previous = -Infinity;
  for (const event of events) {
    if (event.position <= previous || ids.has(event.id)) {
      throw new ImportRefusedError(
        'invalid',
        `event ${event.id} at position ${event.position} repeats an event or comes out of order: import needs the events of an export, in order`,
      );
    }
    ids.add(event.id);
    previous = event.position;
  }
}
