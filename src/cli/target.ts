import { RecordedEvent } from '../event-store/event-store.port';
import type { PageQuery } from '../admin/event-tools';
import { EventPage, EventStats } from '../admin/event-wire';
import type { JobKind, ProjectionJob } from '../admin/projection-jobs';
import type { ProjectionInfo } from '../admin/projection-tools';

export type { PageQuery };

/**
 * Where a CLI command acts: the running service through its admin routes
 * (`--url`), or the stores directly while the service is stopped. Commands
 * only talk to this, so each works the same both ways; a new operation is a
 * method here, a route in src/admin/ and one implementation in each of
 * remote-target.ts and direct-target.ts.
 */
export interface Target {
  /** For messages: "the service at http://…" or "the PGlite store in ./data". */
  readonly description: string;
  /** Every event of a stream in current schema versions; empty when there is none. */
  readStream(streamId: string): Promise<RecordedEvent[]>;
  /** A filtered page in current schema versions. */
  readPage(query: PageQuery): Promise<EventPage>;
  /** A page exactly as stored, for an export. */
  exportPage(after: number, limit: number, to?: number): Promise<EventPage>;
  /** Writes an export page on top of `after` (0: the store must be empty); returns the new head. */
  importPage(after: number, events: readonly RecordedEvent[]): Promise<number>;
  headPosition(): Promise<number>;
  stats(): Promise<EventStats>;
  listProjections(): Promise<{ head: number; projections: ProjectionInfo[] }>;
  /** Runs a rebuild or verify of one projection or `all`, reporting the job as it goes, until it ends. */
  runProjectionJob(kind: JobKind, projection: string, onUpdate: (job: ProjectionJob) => void): Promise<ProjectionJob>;
  close(): Promise<void>;
}
