import type { AnyBulkWriteOperation, Filter, UpdateFilter } from 'mongodb';
import type { StoredDocument } from './collections';

/**
 * One write to one document. `orElse` runs instead when the write finds the
 * `_id` taken: an insert of a document that an earlier delivery or another
 * instance created. (Inserts, not upserts: FerretDB v1 stops an update
 * command at a failed upsert and reports it at index 0, losing the rest.)
 */
export type DocumentWrite = {
  readonly id: string;
  readonly op: AnyBulkWriteOperation<StoredDocument>;
  readonly orElse?: { readonly filter: Filter<StoredDocument>; readonly update: UpdateFilter<StoredDocument> };
};

type Fields = Record<string, unknown>;
type Pending = { created?: Fields; insertOnly?: Fields; set: Fields; position: number };

/**
 * A batch's events on whole documents (concerts, schedules, reservations,
 * wallets), folded into one write per document. Every event sets absolute
 * values, so the fold is the document after the batch's last event whatever
 * part of the batch the stored document has already applied, and one guard,
 * `position < last event`, covers the whole fold.
 */
export class DocumentWrites {
  private readonly pending = new Map<string, Pending>();

  /**
   * The document as a creation event makes it: whatever came before is
   * replaced. `insertOnly` fields are written only when it does not exist yet.
   */
  create(id: string, fields: Fields, position: number, insertOnly: Fields = {}): void {
    const earlier = this.pending.get(id)?.insertOnly;
    this.pending.set(id, { created: fields, insertOnly: earlier ?? insertOnly, set: {}, position });
  }

  /** Fields an event sets on an existing document; a document that does not exist stays so. */
  update(id: string, fields: Fields, position: number): void {
    const pending = this.pending.get(id);
    if (!pending) {
      this.pending.set(id, { set: { ...fields }, position });
      return;
    }
    Object.assign(pending.set, fields);
    pending.position = position;
  }

  writes(): DocumentWrite[] {
    return [...this.pending].map(([id, { created, insertOnly, set, position }]): DocumentWrite => {
      const fields = { ...created, ...set, position };
      const guarded = { filter: { _id: id, position: { $lt: position } }, update: { $set: fields } };
      if (created)
        return { id, op: { insertOne: { document: { _id: id, ...insertOnly, ...fields } } }, orElse: guarded };
      return { id, op: { updateOne: guarded } };
    });
  }
}
