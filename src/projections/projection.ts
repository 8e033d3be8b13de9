import { RecordedEvent } from '../event-store/event-store.port';

/** Every read-model document remembers the global position it last applied. */
export type Document = { position: number };

/**
 * A projection turns events into documents of one collection. `apply` may
 * mutate the document it is given (a seat map of 100,000 seats is not copied
 * per event) and returns it, or null to delete it. It never throws for a
 * business reason.
 */
export type Projection<Doc extends Document = Document> = {
  readonly name: string;
  readonly version: number;
  readonly handles: readonly string[];
  /** The documents an event touches. */
  readonly documentIds: (event: RecordedEvent) => readonly string[];
  readonly apply: (doc: Doc | null, event: RecordedEvent, id: string) => Doc | null;
};

export const data = <T>(event: RecordedEvent) => event.data as T;
