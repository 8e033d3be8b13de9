import { EventEmitter } from 'node:events';
import {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
  Subscription,
  SubscriptionHandler,
  WrongExpectedRevisionError,
} from './event-store.port';
import { APPEND_LOCK_ID, SCHEMA_SQL } from './schema.sql';
import { SqlClient, SqlExecutor } from './sql-client';
import { RecentEvents } from './recent-events';
import { runSubscription } from './subscription';

type PendingAppend = {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
};

type EventRow = {
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
const NOTIFY_CHANNEL = 'events_appended';
const SELECT_COLUMNS = 'position::text, stream_id, revision::text, id, type, data, metadata, recorded_at';

/**
 * The SQL event store shared by the PGlite and PostgreSQL adapters.
 *
 * Appends are group-committed: whatever arrives while a transaction is running
 * is written by the next one, in one INSERT. Each request is still checked on
 * its own against its expected revision, so one conflict fails one request.
 */
export class SqlEventStore implements EventStore {
  private pending: PendingAppend[] = [];
  private writing = false;
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private readonly recent = new RecentEvents(20_000);
  private stopListening: (() => Promise<void>) | undefined;

  private constructor(private readonly sql: SqlClient) {}

  static async open(sql: SqlClient): Promise<SqlEventStore> {
    await sql.query(SCHEMA_SQL);
    const store = new SqlEventStore(sql);
    store.stopListening = await sql.listen(NOTIFY_CHANNEL, () => store.appended.emit('appended'));
    return store;
  }

  get client(): SqlClient {
    return this.sql;
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
      try {
        const { outcomes, written } = await this.sql.transaction((tx) => this.writeBatch(tx, batch));
        this.recent.add(written);
        batch.forEach((request, i) => {
          const outcome = outcomes[i];
          if (outcome instanceof Error) request.reject(outcome);
          else request.resolve(outcome);
        });
        if (written.length > 0) {
          this.appended.emit('appended');
          this.appended.emit('written', written.length);
        }
      } catch (error) {
        batch.forEach((request) => request.reject(error));
      }
    }
    this.writing = false;
  }

  private async writeBatch(tx: SqlExecutor, batch: readonly PendingAppend[]) {
    // PGlite has one connection, so only a shared server needs the lock.
    if (this.sql.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_ID]);
    const streamIds = [...new Set(batch.map((request) => request.streamId))];
    const eventIds = batch.flatMap((request) => request.events.map((event) => event.id));
    // One round trip for the head, the streams' revisions and any event ids already written.
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
    let position = 0;
    const current = new Map<string, number>();
    const known = new Map<string, { stream_id: string; revision: string; position: string }>();
    for (const row of rows) {
      if (row.kind === 'head') position = Number(row.a);
      else if (row.kind === 'stream') current.set(row.key!, Number(row.a));
      else known.set(row.key!, { stream_id: row.a!, revision: row.b!, position: row.c! });
    }
    const written: RecordedEvent[] = [];
    const recordedAt = new Date();

    const outcomes = batch.map((request): AppendResult | Error => {
      const seen = request.events.map((event) => known.get(event.id));
      if (seen.every((row) => row !== undefined && row.stream_id === request.streamId)) {
        const last = seen[seen.length - 1]!;
        return { nextRevision: Number(last.revision), position: Number(last.position) };
      }
      const actual = current.get(request.streamId);
      if (seen.some((row) => row !== undefined) || !revisionMatches(request.expected, actual)) {
        return new WrongExpectedRevisionError(request.streamId, request.expected, actual ?? 'no_stream');
      }
      let revision = actual ?? -1;
      for (const event of request.events) {
        revision += 1;
        position += 1;
        const recorded: RecordedEvent = {
          id: event.id,
          streamId: request.streamId,
          revision,
          position,
          type: event.type,
          data: event.data,
          metadata: event.metadata ?? {},
          recordedAt,
        };
        written.push(recorded);
        known.set(event.id, {
          stream_id: request.streamId,
          revision: String(revision),
          position: String(position),
        });
      }
      current.set(request.streamId, revision);
      return { nextRevision: revision, position };
    });

    if (written.length > 0) {
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
          written.map((e) => JSON.stringify(e.data)),
          written.map((e) => JSON.stringify(e.metadata)),
          recordedAt.toISOString(),
        ],
      );
      if (this.sql.kind === 'postgres') await tx.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);
    }
    return { outcomes, written };
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY revision`,
      [streamId],
    );
    return rows.map(toRecorded);
  }

  async readAll(after: number, limit: number): Promise<RecordedEvent[]> {
    const cached = this.recent.after(after, limit);
    if (cached) return cached;
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
      [after, limit],
    );
    return rows.map(toRecorded);
  }

  /** Counts events this process wrote, for the events-appended metric. */
  onWritten(listener: (count: number) => void): void {
    this.appended.on('written', listener);
  }

  subscribe(after: number, handler: SubscriptionHandler): Subscription {
    return runSubscription(this, this.appended, after, handler);
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.sql.query<{ head: string }>(
      'SELECT coalesce(max(position), 0)::text AS head FROM events',
    );
    return Number(rows[0].head);
  }

  async close(): Promise<void> {
    while (this.writing) await new Promise((resolve) => setTimeout(resolve, 5));
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

function toRecorded(row: EventRow): RecordedEvent {
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
