import { Document } from './projection';

/** The embedded profile's read-model storage: one map per projection, rebuilt from the log at boot. */
export class InMemoryDocumentStore {
  private collections = new Map<string, Map<string, Document>>();

  collection<Doc extends Document>(name: string): Map<string, Doc> {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new Map();
      this.collections.set(name, collection);
    }
    return collection as Map<string, Doc>;
  }

  get<Doc extends Document>(name: string, id: string): Doc | undefined {
    return this.collection<Doc>(name).get(id);
  }

  /** Takes over another store's collections in one step: a rebuilt model goes live between two events. */
  replaceWith(other: InMemoryDocumentStore): void {
    this.collections = other.collections;
  }

  /** Every document, keyed `collection/id` (for a comparison). */
  dump(): Map<string, unknown> {
    const dumped = new Map<string, unknown>();
    for (const [name, collection] of this.collections) {
      for (const [id, document] of collection) dumped.set(`${name}/${id}`, document);
    }
    return dumped;
  }

  clear(): void {
    this.collections.clear();
  }
}
