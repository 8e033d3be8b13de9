import { ImportRefusedError, RecordedEvent } from './event-store.port';
import { SqlExecutor } from './sql-client';

const UNIQUE_VIOLATION = '23505';

/**
 * A page must continue the log without a hole: positions rise by one, from
 * right after the head. Only the first page into an empty store may start
 * later (an export taken `--from` a position), because a gap before the
 * first event is invisible to every reader.
 */
export function checkImportPage(after: number, head: number, events: readonly RecordedEvent[]): void {
  if (head !== after) {
    throw after === 0
      ? new ImportRefusedError(
          'store_not_empty',
          `the event store is not empty (head position ${head}); import only into an empty store`,
        )
      : new ImportRefusedError(
          'head_moved',
          `the page continues position ${after} but the store's head is ${head}: something else wrote to it`,
        );
  }
  let previous = after;
  for (const [i, event] of events.entries()) {
    const first = i === 0 && after === 0;
    if (first ? event.position <= previous : event.position !== previous + 1) {
      throw new ImportRefusedError(
        'invalid',
        `event ${event.id} has position ${event.position} where ${first ? `more than ${previous}` : previous + 1} ` +
          'was expected: import needs the events of an export, in order',
      );
    }
    previous = event.position;
  }
}

/** One INSERT for the whole page, every column as recorded. */
export async function insertRecorded(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  try {
    await tx.query(
      `INSERT INTO events (position, stream_id, revision, id, type, data, metadata, recorded_at)
       SELECT p, s, r, i, t, d::jsonb, m::jsonb, a
       FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
         AS x(p, s, r, i, t, d, m, a)`,
      [
        events.map((e) => e.position),
        events.map((e) => e.streamId),
        events.map((e) => e.revision),
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
        events.map((e) => e.recordedAt.toISOString()),
      ],
    );
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    throw new ImportRefusedError(
      'invalid',
      `an event id or a stream revision appears twice: ${(error as { detail?: string }).detail ?? String(error)}`,
    );
  }
}
