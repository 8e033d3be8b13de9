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

/**
 * A batch's creation events on whole documents (a ConcertCreated's
 * schedules), one write per document: the document as the last of them
 * makes it, whatever came before, guarded by that event's position.
 */
export class DocumentWrites {
  private readonly pending = new Map<string, { fields: Fields; position: number }>();

  create(id: string, fields: Fields, position: number): void {
    this.pending.set(id, { fields, position });
  }

  writes(): DocumentWrite[] {
    return [...this.pending].map(([id, { fields, position }]): DocumentWrite => {
      const document = { ...fields, position };
      const guarded = { filter: { _id: id, position: { $lt: position } }, update: { $set: document } };
      return { id, op: { insertOne: { document: { _id: id, ...document } } }, orElse: guarded };
    });
  }
}
