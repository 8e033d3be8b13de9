import { Document } from './projection';

/** The embedded profile's read-model storage: one map per projection, rebuilt from the log at boot. */
export class InMemoryDocumentStore {
  private readonly collections = new Map<string, Map<string, Document>>();

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

  clear(): void {
    this.collections.clear();
  }
}
