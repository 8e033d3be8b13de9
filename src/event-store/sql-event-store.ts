import { EventEmitter } from 'node:events';
import { LRUCache } from 'lru-cache';
import {
  AppendResult,
  EventStoreAdmin,
  ExpectedRevision,
  LogFilter,
  LogSelection,
  NewEvent,
  StoreGuarantees,
  RecordedEvent,
  StoredStats,
  Subscription,
  SubscriptionHandler,
  WrongExpectedRevisionError,
} from './event-store.port';
import { APPEND_LOCK_ID, applySchema } from './schema.sql';
import { SqlClient, SqlExecutor } from './sql-client';
import { RecentEvents } from './recent-events';
import { runSubscription } from './subscription';
import { checkImportPage, insertRecorded } from './event-import';
import { EVENT_UPCASTERS } from './upcasting/event-upcasters';
import { Upcasters } from './upcasting/upcasters';

type PendingAppend = {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
};

export type EventRow = {
  position: string;
  stream_id: string;
  revision: string;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: Date | string;
};

const MAX_BATCH = 1000;
/** Batches of up to this many events are inserted as VALUES rows, larger ones through unnest. */
const VALUES_ROWS = 16;
const json = (value: unknown) => JSON.stringify(value);
const UNIQUE_VIOLATION = '23505';

type KnownEvent = { stream_id: string; revision: string; position: string };
const NOTIFY_CHANNEL = 'events_appended';
/**
 * Stream revisions an owning process keeps: the streams written or looked up
 * lately. Loading every stream's revision at open was most of the 100 s before
 * the first start-up step, and about 300 MiB of heap, at two million streams;
 * a stream not kept costs one indexed look-up instead.
 */
const REVISIONS_KEPT = 300_000;

/** Where this process owns the database: the head, and the exact revision of the streams it keeps. */
type Owned = { head: number; revisions: LRUCache<string, number> };
export const SELECT_COLUMNS = 'position::text, stream_id, revision::text, id, type, data, metadata, recorded_at';

/**
 * The SQL event store shared by the PGlite and PostgreSQL adapters.
 *
 * Appends are group-committed: whatever arrives while a transaction is running
 * is written by the next one, in one INSERT. Each request is still checked on
 * its own against its expected revision, so one conflict fails one request.
 * Every read gives events in their type's current shape (see upcasting/).
 */
export class SqlEventStore implements EventStoreAdmin {
  /** One writer queue, group-committed, and positions numbered by it. */
  readonly guarantees: StoreGuarantees = { appendsCommitInOrder: true, densePositions: true };
  private pending: PendingAppend[] = [];
  private writing = false;
  /** Settles once every batch written so far is acknowledged. */
  private durable: Promise<void> = Promise.resolve();
  private queuedFlush: Promise<void> | undefined;
  private flushRunning: Promise<void> = Promise.resolve();
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private readonly recent = new RecentEvents(20_000);
  private stopListening: (() => Promise<void>) | undefined;
  /**
   * Where this process owns the database (PGlite), it is the only writer and
   * its batches run one after another, so the head and the revisions it has
   * seen written (or looked up between two batches) stay exact, and a batch
   * is one INSERT: the unique constraints still catch a conflict or a
   * repeated event id, and then the batch is written again the checked way.
   */
  private owned: Owned | undefined;

  private constructor(
    private readonly sql: SqlClient,
    private readonly upcasters: Upcasters,
  ) {}

  static async open(sql: SqlClient, upcasters: Upcasters = EVENT_UPCASTERS): Promise<SqlEventStore> {
    await applySchema(sql);
    const store = new SqlEventStore(sql, upcasters);
    if (sql.kind === 'pglite') {
      // Asked before `owned` is set, so this reads the database.
      const head = await store.headPosition();
      store.owned = { head, revisions: new LRUCache({ max: REVISIONS_KEPT }) };
    }
    store.stopListening = await sql.listen(NOTIFY_CHANNEL, () => store.appended.emit('appended'));
    return store;
  }

  /** The store's SQL client, for what else lives in its database (see coordination/). */
  get client(): SqlClient {
    return this.sql;
  }

  get kind(): SqlClient['kind'] {
    return this.sql.kind;
  }

  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      let committed: Awaited<ReturnType<SqlEventStore['writeOwnedOrChecked']>>;
      try {
        committed = await this.writeOwnedOrChecked(batch);
      } catch (error) {
        batch.forEach((request) => request.reject(error));
        continue;
      }
      // Nothing is acknowledged before it is durable. A batch the client wrote
      // durably needs no flush; otherwise flushes are chained, so the next batch
      // is written while this one's flush runs. Either way batches are
      // acknowledged in order.
      const { outcomes, written, flushed } = committed;
      const durable = written.length > 0 && !flushed ? this.flushSoon() : this.durable;
      this.durable = durable.then(
        () => this.acknowledge(batch, outcomes, written),
        (error: unknown) => batch.forEach((request) => request.reject(error)),
      );
    }
    this.writing = false;
  }

  /**
   * Group commit for the flush itself: every batch committed while a flush is
   * queued joins it, so one fdatasync covers them all and flushes never fall
   * behind the writer.
   */
  private flushSoon(): Promise<void> {
    const flush = this.sql.flush;
    if (!flush) return this.durable;
    if (!this.queuedFlush) {
      const queued = this.flushRunning.then(() => {
        this.queuedFlush = undefined;
        return flush();
      });
      this.queuedFlush = queued;
      this.flushRunning = queued.catch(() => undefined);
    }
    return this.queuedFlush;
  }

  private acknowledge(
    batch: readonly PendingAppend[],
    outcomes: readonly (AppendResult | Error)[],
    written: readonly RecordedEvent[],
  ): void {
    this.recent.add(written);
    batch.forEach((request, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) request.reject(outcome);
      else request.resolve(outcome);
    });
    if (written.length > 0) {
      this.appended.emit('appended');
      this.appended.emit('written', written);
    }
  }

  private async writeOwnedOrChecked(batch: readonly PendingAppend[]) {
    const owned = this.owned;
    if (owned) {
      try {
        // Owned, the batch is one INSERT, atomic on its own: BEGIN and COMMIT would be two more round
        // trips. Where the client can flush in the same step, the INSERT comes back durable.
        const durably = this.sql.queryDurably;
        const executor: SqlExecutor = durably ? { query: (sql, params) => durably(sql, params) } : this.sql;
        const fast = await this.writeBatch(executor, batch, owned);
        this.remember(fast);
        return { ...fast, flushed: durably !== undefined };
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      }
    }
    const checked = await this.sql.transaction((tx) => this.writeBatch(tx, batch, undefined));
    this.remember(checked);
    return { ...checked, flushed: false };
  }

  private remember(result: { current: Map<string, number>; head: number }): void {
    if (!this.owned) return;
    for (const [streamId, revision] of result.current) this.owned.revisions.set(streamId, revision);
    this.owned.head = result.head;
  }

  private async writeBatch(tx: SqlExecutor, batch: readonly PendingAppend[], owned: Owned | undefined) {
    const streamIds = [...new Set(batch.map((request) => request.streamId))];
    let position = 0;
    const current = new Map<string, number>();
    const known = new Map<string, KnownEvent>();
    if (owned) {
      position = owned.head;
      await this.ownedRevisions(owned, streamIds, current);
    } else {
      // PGlite has one connection, so only a shared server needs the lock.
      if (this.sql.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_ID]);
      position = await this.readBatchState(tx, batch, streamIds, current, known);
    }
    let outcomes = this.placeEvents(batch, position, new Map(current), new Map(known));
    if (owned && outcomes.some((o) => o instanceof Error)) {
      // A refused request may be a retry of events already written: look its ids up before refusing.
      const ids = batch.flatMap((request, i) => (outcomes[i] instanceof Error ? request.events.map((e) => e.id) : []));
      const { rows } = await tx.query<KnownEvent & { id: string }>(
        'SELECT id, stream_id, revision::text, position::text FROM events WHERE id = ANY($1::text[])',
        [ids],
      );
      for (const row of rows) known.set(row.id, row);
      if (rows.length > 0) outcomes = this.placeEvents(batch, position, new Map(current), new Map(known));
    }
    const placed = new Map(current);
    for (const o of outcomes)
      if (!(o instanceof Error) && o.written.length) placed.set(o.written[0].streamId, o.result.nextRevision);
    const written = outcomes.flatMap((outcome) => (outcome instanceof Error ? [] : outcome.written));
    if (written.length > 0) await this.insert(tx, written);
    const head = written.length > 0 ? written[written.length - 1].position : position;
    return { outcomes: outcomes.map((o) => (o instanceof Error ? o : o.result)), written, current: placed, head };
  }

  /**
   * The revisions of `streamIds` into `current`, a stream absent from it having
   * none: kept ones from memory, the rest in one look-up. Batches run one at a
   * time and nothing else writes, so what the look-up finds stays exact.
   */
  private async ownedRevisions(owned: Owned, streamIds: string[], current: Map<string, number>): Promise<void> {
    const unknown: string[] = [];
    for (const streamId of streamIds) {
      const revision = owned.revisions.get(streamId);
      if (revision === undefined) unknown.push(streamId);
      else current.set(streamId, revision);
    }
    if (unknown.length === 0) return;
    const { rows } = await this.sql.query<{ stream_id: string; revision: string }>(
      'SELECT stream_id, max(revision)::text AS revision FROM events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id',
      [unknown],
    );
    for (const row of rows) current.set(row.stream_id, Number(row.revision));
  }

  /** One round trip for the head, the streams' revisions and any event ids already written. */
  private async readBatchState(
    tx: SqlExecutor,
    batch: readonly PendingAppend[],
    streamIds: string[],
    current: Map<string, number>,
    known: Map<string, KnownEvent>,
  ): Promise<number> {
    const eventIds = batch.flatMap((request) => request.events.map((event) => event.id));
    const { rows } = await tx.query<{
      kind: string;
      key: string | null;
      a: string | null;
      b: string | null;
      c: string | null;
    }>(
      `SELECT 'head' AS kind, NULL AS key, coalesce(max(position), 0)::text AS a, NULL AS b, NULL AS c FROM events
       UNION ALL
       SELECT 'stream', stream_id, max(revision)::text, NULL, NULL FROM events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id
       UNION ALL
       SELECT 'event', id, stream_id, revision::text, position::text FROM events WHERE id = ANY($2::text[])`,
      [streamIds, eventIds],
    );
    let head = 0;
    for (const row of rows) {
      if (row.kind === 'head') head = Number(row.a);
      else if (row.kind === 'stream') current.set(row.key!, Number(row.a));
      else known.set(row.key!, { stream_id: row.a!, revision: row.b!, position: row.c! });
    }
    return head;
  }

  /** Checks each request on its own against its expected revision and gives its events their places. */
  private placeEvents(
    batch: readonly PendingAppend[],
    position: number,
    current: Map<string, number>,
    known: Map<string, KnownEvent>,
  ): (Error | { result: AppendResult; written: RecordedEvent[] })[] {
    const recordedAt = new Date();
    return batch.map((request) => {
      const seen = request.events.map((event) => known.get(event.id));
      if (seen.every((row) => row !== undefined && row.stream_id === request.streamId)) {
        const last = seen[seen.length - 1]!;
        return { result: { nextRevision: Number(last.revision), position: Number(last.position) }, written: [] };
      }
      const actual = current.get(request.streamId);
      if (seen.some((row) => row !== undefined) || !revisionMatches(request.expected, actual)) {
        return new WrongExpectedRevisionError(request.streamId, request.expected, actual ?? 'no_stream');
      }
      const written: RecordedEvent[] = [];
      let revision = actual ?? -1;
      for (const event of request.events) {
        revision += 1;
        position += 1;
        written.push({
          id: event.id,
          streamId: request.streamId,
          revision,
          position,
          type: event.type,
          data: event.data,
          metadata: this.upcasters.stamp(event.type, event.metadata),
          recordedAt,
        });
        known.set(event.id, { stream_id: request.streamId, revision: String(revision), position: String(position) });
      }
      current.set(request.streamId, revision);
      return { result: { nextRevision: revision, position }, written };
    });
  }

  private async insert(tx: SqlExecutor, written: readonly RecordedEvent[]): Promise<void> {
    const recordedAt = written[0].recordedAt.toISOString();
    if (written.length <= VALUES_ROWS) {
      // A few rows plan faster as VALUES than through unnest (0.4 against 0.7 ms on PGlite).
      const params: unknown[] = [recordedAt];
      const rows = written.map((e) => {
        const at = params.push(e.position, e.streamId, e.revision, e.id, e.type, json(e.data), json(e.metadata)) - 7;
        return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}::jsonb, $${at + 7}::jsonb, $1)`;
      });
      await tx.query(
        `INSERT INTO events (position, stream_id, revision, id, type, data, metadata, recorded_at) VALUES ${rows.join(', ')}`,
        params,
      );
    } else {
      await tx.query(
        `INSERT INTO events (position, stream_id, revision, id, type, data, metadata, recorded_at)
         SELECT p, s, r, i, t, d::jsonb, m::jsonb, $8
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
           AS x(p, s, r, i, t, d, m)`,
        [
          written.map((e) => e.position),
          written.map((e) => e.streamId),
          written.map((e) => e.revision),
          written.map((e) => e.id),
          written.map((e) => e.type),
          written.map((e) => json(e.data)),
          written.map((e) => json(e.metadata)),
          recordedAt,
        ],
      );
    }
    if (this.sql.kind === 'postgres') await tx.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);
  }

  async readStream(streamId: string, fromRevision = 0): Promise<RecordedEvent[]> {
    // Owned, a kept stream's last revision is exact: one with nothing from there (a cached state
    // that is current) needs no query. A stream not kept, a brand-new one included, is read.
    const kept = this.owned?.revisions.get(streamId);
    if (kept !== undefined && kept < fromRevision) return [];
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = $1 AND revision >= $2 ORDER BY events.revision`,
      [streamId, fromRevision],
    );
    return this.upcasters.upcastAll(rows.map(toRecorded));
  }

  async readAll(after: number, limit: number, filter?: LogFilter): Promise<RecordedEvent[]> {
    // Owned, the head is known: a caught-up subscriber asking for more needs no query.
    if (this.owned && after >= this.owned.head) return [];
    if (filter) {
      if (filter.types.length === 0) return [];
      // One index range per type, merged: `type = ANY(...) ORDER BY position` sorts every matching row of
      // the whole log on each page (2 s a page at a million joins, so following a long line was quadratic).
      const picks = filter.types.map(
        (_, i) =>
          `(SELECT events.position AS order_key, ${SELECT_COLUMNS} FROM events
            WHERE events.type = $${i + 3} AND events.position > $1 ORDER BY events.position LIMIT $2)`,
      );
      const { rows } = await this.sql.query<EventRow>(
        `SELECT * FROM (${picks.join(' UNION ALL ')}) AS picked ORDER BY order_key LIMIT $2`,
        [after, limit, ...filter.types],
      );
      return this.upcasters.upcastAll(rows.map(toRecorded));
    }
    const cached = this.recent.after(after, limit);
    if (cached) return this.upcasters.upcastAll(cached);
    return this.upcasters.upcastAll(await this.readStored(after, limit));
  }

  async readStored(after: number, limit: number): Promise<RecordedEvent[]> {
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE events.position > $1 ORDER BY events.position LIMIT $2`,
      [after, limit],
    );
    return rows.map(toRecorded);
  }

  async readSelected(selection: LogSelection): Promise<RecordedEvent[]> {
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events
       WHERE position > $1 AND position <= $2
         AND ($3::text IS NULL OR left(stream_id, length($3::text) + 1) = $3::text || '-')
         AND ($4::text IS NULL OR type = $4::text)
       ORDER BY events.position LIMIT $5`,
      [selection.after, selection.until, selection.category ?? null, selection.type ?? null, selection.limit],
    );
    return this.upcasters.upcastAll(rows.map(toRecorded));
  }

  async stats(): Promise<StoredStats> {
    const { rows } = await this.sql.query<{
      category: string;
      type: string;
      events: string;
      bytes: string;
      first: string;
      last: string;
    }>(
      `SELECT split_part(stream_id, '-', 1) AS category, type, count(*)::text AS events,
              sum(pg_column_size(data) + pg_column_size(metadata))::text AS bytes,
              min(position)::text AS first, max(position)::text AS last
       FROM events GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const totals = await this.sql.query<{ streams: string; storage: string }>(
      `SELECT count(DISTINCT stream_id)::text AS streams, pg_total_relation_size('events')::text AS storage FROM events`,
    );
    return {
      streams: Number(totals.rows[0].streams),
      storageBytes: Number(totals.rows[0].storage),
      byType: rows.map((row) => ({
        category: row.category,
        type: row.type,
        events: Number(row.events),
        bytes: Number(row.bytes),
        firstPosition: Number(row.first),
        lastPosition: Number(row.last),
      })),
    };
  }

  async importEvents(after: number, events: readonly RecordedEvent[]): Promise<number> {
    // Appends already queued go first, so the head checked below is final for them.
    while (this.writing) await new Promise((resolve) => setTimeout(resolve, 5));
    const head = await this.sql.transaction(async (tx) => {
      if (this.sql.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_ID]);
      const { rows } = await tx.query<{ head: string }>('SELECT coalesce(max(position), 0)::text AS head FROM events');
      checkImportPage(after, Number(rows[0].head), events);
      if (events.length === 0) return after;
      await insertRecorded(tx, events);
      if (this.sql.kind === 'postgres') await tx.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);
      return events[events.length - 1].position;
    });
    if (events.length === 0) return head;
    await this.sql.flush?.();
    if (this.owned) {
      for (const event of events) this.owned.revisions.set(event.streamId, event.revision);
      this.owned.head = Math.max(this.owned.head, head);
    }
    this.appended.emit('appended');
    return head;
  }

  /** Runs after every group commit with the events it wrote (not for imports). */
  onWritten(listener: (events: readonly RecordedEvent[]) => void): void {
    this.appended.on('written', listener);
  }

  subscribe(after: number, handler: SubscriptionHandler): Subscription {
    return runSubscription(this, this.appended, after, handler);
  }

  async headPosition(): Promise<number> {
    if (this.owned) return this.owned.head;
    const { rows } = await this.sql.query<{ head: string }>(
      'SELECT coalesce(max(position), 0)::text AS head FROM events',
    );
    return Number(rows[0].head);
  }

  async close(): Promise<void> {
    while (this.writing) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.durable;
    this.appended.emit('closed');
    await this.stopListening?.();
    await this.sql.close();
  }
}

function revisionMatches(expected: ExpectedRevision, actual: number | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === undefined;
  if (expected === 'stream_exists') return actual !== undefined;
  return actual === expected;
}

export function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: Number(row.position),
    type: row.type,
    data: typeof row.data === 'string' ? JSON.parse(row.data) : row.data,
    metadata: (typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata) as RecordedEvent['metadata'],
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  };
}
