import { RecordedEvent } from '../event-store/event-store.port';

/** Every read-model document remembers the global position it last applied. */
export type Document = { position: number };

/**
 * A projection turns events into documents of one collection. `apply` is its
 * one definition, `evolve(doc | null, event)`, which every sink applies (see
 * `evolveDocuments`). It may mutate the document it is given (a seat map of
 * 100,000 seats is not copied per event) and returns it, or null to delete
 * it. It never throws for a business reason.
 *
 * `version` is bumped whenever what `apply` makes of the log changes: a store
 * whose live generation was built with another version is rebuilt beside it,
 * blue/green (see rebuild/store-version.ts).
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

/**
 * A document id taken from an event's data. One that is not a string makes
 * the event poison in every store alike (MongoDB would otherwise give the
 * document a fresh ObjectId on every delivery).
 */
export function documentId(id: unknown): string {
  if (typeof id !== 'string') throw new TypeError(`document id ${String(id)} is not a string`);
  return id;
}

/** Where one projection's documents are, by id: a map in memory, or the documents a sink loaded for a batch. */
export type Documents<Doc extends Document> = {
  get(id: string): Doc | undefined;
  set(id: string, doc: Doc): unknown;
  delete(id: string): unknown;
};

/**
 * Applies one event to every document of `projection` it touches, as every
 * sink does: a document that has applied the event's position already skips
 * it (so a duplicate or a replay changes nothing), the result takes the
 * event's position, and null deletes it. An event whose ids cannot be read,
 * or whose `apply` throws, is poison: reported once per failure, and the
 * document keeps its position.
 */
export function evolveDocuments<Doc extends Document>(
  projection: Projection<Doc>,
  event: RecordedEvent,
  documents: Documents<Doc>,
  onPoison: (error: unknown) => void,
): void {
  let ids: readonly string[];
  try {
    ids = projection.documentIds(event);
  } catch (error) {
    onPoison(error);
    return;
  }
  for (const id of ids) {
    const doc = documents.get(id) ?? null;
    if (doc && doc.position >= event.position) continue;
    try {
      const next = projection.apply(doc, event, id);
      if (next) {
        next.position = event.position;
        documents.set(id, next);
      } else documents.delete(id);
    } catch (error) {
      onPoison(error);
    }
  }
}
