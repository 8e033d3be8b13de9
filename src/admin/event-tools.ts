import { EventStoreAdmin, RecordedEvent } from '../event-store/event-store.port';
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
  constructor(private readonly store: EventStoreAdmin) {}

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
    const events = await this.store.readSelected({
      after: query.after,
      until,
      limit: query.limit,
      category: query.category,
      type: query.type,
    });
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
    const { streams, storageBytes, byType } = await this.store.stats();
    const positions = byType.flatMap((t) => [t.firstPosition, t.lastPosition]);
    return {
      events: byType.reduce((sum, t) => sum + t.events, 0),
      streams,
      firstPosition: positions.length ? Math.min(...positions) : null,
      lastPosition: positions.length ? Math.max(...positions) : null,
      bytes: byType.reduce((sum, t) => sum + t.bytes, 0),
      storageBytes,
      byType,
    };
  }
}
