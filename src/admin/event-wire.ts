import { z } from 'zod';
import { RecordedEvent, StoredStats } from '../event-store/event-store.port';

/**
 * A recorded event as JSON: one line of an export file, one item of an admin
 * page. `JSON.stringify(recordedEvent)` already has this shape (the time
 * becomes an ISO string); `fromWire` turns it back.
 */
export const wireEvent = z.strictObject({
  id: z.string().min(1).max(256),
  streamId: z.string().min(1).max(1024),
  revision: z.number().int().min(0),
  position: z.number().int().min(1),
  type: z.string().min(1).max(256),
  data: z.json(),
  metadata: z.record(z.string(), z.json()),
  recordedAt: z.iso.datetime({ offset: true }),
});

export type WireEvent = z.infer<typeof wireEvent>;

export const fromWire = (event: WireEvent): RecordedEvent => ({ ...event, recordedAt: new Date(event.recordedAt) });

/** A page of the log: the events, how far it was read (`next`, the `after` of the next page) and the head then. */
export type EventPage = {
  readonly events: readonly RecordedEvent[];
  readonly next: number;
  readonly head: number;
};

export type EventStats = {
  readonly events: number;
  readonly streams: number;
  readonly firstPosition: number | null;
  readonly lastPosition: number | null;
  /** Bytes of event data and metadata as stored (jsonb), summed. */
  readonly bytes: number;
  /** The events table with its indexes, on disk. */
  readonly storageBytes: number;
  readonly byType: StoredStats['byType'];
};

/** Stream ids are `Category-{id}`; the category is what comes before the first '-'. */
export const categoryOf = (streamId: string): string => streamId.split('-', 1)[0];
