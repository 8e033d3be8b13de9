import type { RecordedEvent } from '../../event-store/event-store.port';
import { concertsProjection, schedulesProjection } from '../catalog.projection';
import { Document, Documents, Projection, evolveDocuments } from '../projection';
import { reservationsProjection } from '../reservations.projection';
import { walletsProjection } from '../wallets.projection';
import type { StoredDocument } from './collections';
import type { DocumentWrite } from './document-writes';

/** The projections MongoDocumentsSink holds, by the collection they live in. */
export type DocumentProjections = {
  readonly concerts: Projection;
  /** Stored in its own form (seat-blocks.ts, checked against this definition by its specs); its version counts. */
  readonly schedules: Projection;
  readonly reservations: Projection;
  readonly wallets: Projection;
};

export const DOCUMENT_PROJECTIONS = {
  concerts: concertsProjection,
  schedules: schedulesProjection,
  reservations: reservationsProjection,
  wallets: walletsProjection,
} as unknown as DocumentProjections;

export type WholeCollection = 'concerts' | 'reservations' | 'wallets';
export const WHOLE_COLLECTIONS: readonly WholeCollection[] = ['concerts', 'reservations', 'wallets'];

/**
 * Collections whose reads list documents in the order the in-memory map
 * keeps them (first creation): their documents also keep `created`, the
 * position of the event that made them, which a MongoDB collection has no
 * other way of knowing.
 */
const ORDERED: ReadonlySet<WholeCollection> = new Set(['concerts']);

/**
 * A projection's document as stored: `_id` its id, top-level undefined as
 * null (what the driver writes for it), so that what is read back is what
 * was written, on the server and in a bulk load's image alike.
 */
export function encode(id: string, doc: Document, created?: number): StoredDocument {
  const fields = Object.fromEntries(Object.entries(doc).map(([key, value]) => [key, value ?? null]));
  return { _id: id, ...(created === undefined ? {} : { created }), ...fields } as StoredDocument;
}

/** The projection's document back from what `encode` stored: a copy, which `apply` may mutate. */
export function decode(stored: StoredDocument): Document {
  const { _id, created: _created, ...fields } = structuredClone(stored);
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, value === null ? undefined : value]),
  ) as Document;
}

/** What a batch did to one stored document: written whole (`after`), or deleted (no `after`). */
export type Change = {
  readonly id: string;
  readonly before: StoredDocument | undefined;
  readonly after: StoredDocument | undefined;
  /** The position the document has got to; the write is guarded by it. */
  readonly position: number;
};

/** The stored documents of the ids asked for (absent ones left out). */
export type Load = (
  collection: WholeCollection,
  ids: readonly string[],
) => Promise<ReadonlyMap<string, StoredDocument>>;

/**
 * A batch on the documents of concerts, reservations and wallets, through
 * the projections' own `apply`: the documents the batch touches are loaded,
 * every event is applied in order with `evolveDocuments` (exactly as the
 * in-memory runner applies it), and each document that moved is written back
 * whole, guarded by the position it got to. Whatever part of the batch a
 * stored document had applied already is skipped by that document, so a
 * re-delivered batch, a replay, or two instances' overlapping batches end
 * with the same documents.
 */
export async function evolveBatch(
  projections: DocumentProjections,
  events: readonly RecordedEvent[],
  load: Load,
): Promise<{ changes: Map<WholeCollection, Change[]>; skipped: number }> {
  const handling = WHOLE_COLLECTIONS.map((collection) => ({
    collection,
    projection: projections[collection],
    handles: new Set(projections[collection].handles),
  }));
  const touched = new Map<WholeCollection, Set<string>>(WHOLE_COLLECTIONS.map((c) => [c, new Set()]));
  for (const event of events) {
    for (const { collection, projection, handles } of handling) {
      if (!handles.has(event.type)) continue;
      try {
        for (const id of projection.documentIds(event)) touched.get(collection)!.add(id);
      } catch {
        // poison: counted below, where the projection meets it again
      }
    }
  }
  const working = new Map<WholeCollection, WorkingDocuments>();
  await Promise.all(
    WHOLE_COLLECTIONS.map(async (collection) => {
      const ids = [...touched.get(collection)!];
      working.set(collection, new WorkingDocuments(ids.length ? await load(collection, ids) : new Map()));
    }),
  );
  let skipped = 0;
  for (const event of events) {
    for (const { collection, projection, handles } of handling) {
      if (!handles.has(event.type)) continue;
      const documents = working.get(collection)!;
      documents.at = event.position;
      evolveDocuments(projection, event, documents, () => (skipped += 1));
    }
  }
  const changes = new Map(WHOLE_COLLECTIONS.map((c) => [c, working.get(c)!.changes(ORDERED.has(c))]));
  return { changes, skipped };
}

/** The loaded documents as the projection sees them, remembering what the batch did to each. */
class WorkingDocuments implements Documents<Document> {
  private readonly documents = new Map<string, Document>();
  /** Where the batch (re)created or deleted a document. */
  private readonly createdAt = new Map<string, number>();
  private readonly deletedAt = new Map<string, number>();
  /** The position of the event being applied. */
  at = 0;

  constructor(private readonly stored: ReadonlyMap<string, StoredDocument>) {
    for (const [id, document] of stored) this.documents.set(id, decode(document));
  }

  get(id: string): Document | undefined {
    return this.documents.get(id);
  }

  set(id: string, doc: Document): void {
    if (!this.documents.has(id)) this.createdAt.set(id, doc.position);
    this.documents.set(id, doc);
  }

  delete(id: string): void {
    if (!this.documents.delete(id)) return;
    this.createdAt.delete(id);
    this.deletedAt.set(id, this.at);
  }

  changes(ordered: boolean): Change[] {
    const changes: Change[] = [];
    for (const id of new Set([...this.stored.keys(), ...this.documents.keys()])) {
      const before = this.stored.get(id);
      const doc = this.documents.get(id);
      if (!doc) {
        if (before) changes.push({ id, before, after: undefined, position: this.deletedAt.get(id)! });
        continue;
      }
      if (before && doc.position <= before.position) continue; // nothing of the batch was new to it
      const created = ordered
        ? (this.createdAt.get(id) ?? (before?.created as number | undefined) ?? doc.position)
        : undefined;
      changes.push({ id, before, after: encode(id, doc, created), position: doc.position });
    }
    return changes;
  }
}

/**
 * The writes of a batch's changes to one collection. A document that was not
 * there when loaded is inserted; if another writer inserted it meanwhile, the
 * insert finds its `_id` taken and the guarded update runs instead (inserts,
 * not upserts: see DocumentWrite).
 */
export function writesOf(changes: readonly Change[]): DocumentWrite[] {
  return changes.map(({ id, before, after, position }): DocumentWrite => {
    const filter = { _id: id, position: { $lt: position } };
    if (!after) return { id, op: { deleteOne: { filter } } };
    const { _id, ...fields } = after;
    const update = { $set: fields };
    if (before) return { id, op: { updateOne: { filter, update } } };
    return { id, op: { insertOne: { document: after } }, orElse: { filter, update } };
  });
}
