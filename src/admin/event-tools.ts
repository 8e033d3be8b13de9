import { RecordedEvent } from '../event-store/event-store.port';
import { EventRow, SELECT_COLUMNS, SqlEventStore, toRecorded } from '../event-store/sql-event-store';
import { EventPage, EventStats } from './event-wire';

export type PageQuery = {
  /** Events after this position. */
  readonly after: number;
  readonly limit: number;
  /** Not past this position (default: the head when the page is read). */
  readonly to?: number;
  readonly category?: string;
  readonly type?: string;
};

/**
 * What the operator tools do to the event log, in one place for both ways
 * in: the admin routes of a running service and the CLI on a stopped one.
 */
export class EventTools {
  constructor(private readonly store: SqlEventStore) {}

  /** A stream as handlers see it (current schema versions). */
  readStream(streamId: string): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId);
  }

  /**
   * A filtered page in current shape. The bound is fixed before reading, so
   * a page that finds nothing still moves `next` to it and a follower never
   * rescans the same stretch.
   */
  async page(query: PageQuery): Promise<EventPage> {
    const head = await this.store.headPosition();
    const until = Math.min(query.to ?? head, head);
    if (until <= query.after) return { events: [], next: Math.max(query.after, until), head };
    const { rows } = await this.store.client.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM events
       WHERE position > $1 AND position <= $2
         AND ($3::text IS NULL OR left(stream_id, length($3::text) + 1) = $3::text || '-')
         AND ($4::text IS NULL OR type = $4::text)
       ORDER BY events.position LIMIT $5`,
      [query.after, until, query.category ?? null, query.type ?? null, query.limit],
    );
    const events = this.store.upcast(rows.map(toRecorded));
    const next = events.length < query.limit ? until : events[events.length - 1].position;
    return { events, next, head };
  }

  /** A page exactly as stored, for an export another store can import. */
  async exportPage(after: number, limit: number, to?: number): Promise<EventPage> {
    const head = await this.store.headPosition();
    const until = Math.min(to ?? head, head);
    const events = (await this.store.readStored(after, limit)).filter((event) => event.position <= until);
    const next = events.length < limit ? Math.max(after, until) : events[events.length - 1].position;
    return { events, next, head };
  }

  importPage(after: number, events: readonly RecordedEvent[]): Promise<number> {
    return this.store.importEvents(after, events);
  }

  headPosition(): Promise<number> {
    return this.store.headPosition();
  }

  async stats(): Promise<EventStats> {
    const { rows } = await this.store.client.query<{
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
    const totals = await this.store.client.query<{ streams: string; storage: string }>(
      `SELECT count(DISTINCT stream_id)::text AS streams, pg_total_relation_size('events')::text AS storage FROM events`,
    );
    const byType = rows.map((row) => ({
      category: row.category,
      type: row.type,
      events: Number(row.events),
      bytes: Number(row.bytes),
      firstPosition: Number(row.first),
      lastPosition: Number(row.last),
    }));
    const positions = byType.flatMap((t) => [t.firstPosition, t.lastPosition]);
    return {
      events: byType.reduce((sum, t) => sum + t.events, 0),
      streams: Number(totals.rows[0].streams),
      firstPosition: positions.length ? Math.min(...positions) : null,
      lastPosition: positions.length ? Math.max(...positions) : null,
      bytes: byType.reduce((sum, t) => sum + t.bytes, 0),
      storageBytes: Number(totals.rows[0].storage),
      byType,
    };
  }
}
