import { Collection, Document, Filter, MongoBulkWriteError, MongoNetworkError } from 'mongodb';
import type { DocumentCollections, StoredDocument } from './collections';
import { allDone } from './bulk-writer';
import type { DocumentWrite } from './document-writes';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { Change, DocumentProjections, WholeCollection, evolveBatch } from './whole-documents';
import { WritePlan, planWrites } from './write-plan';

type Name = Exclude<keyof DocumentCollections, 'checkpoints'>;
export const LOADED_COLLECTIONS: readonly Name[] = ['concerts', 'schedules', 'seatBlocks', 'reservations', 'wallets'];

/**
 * The documents a replay into an EMPTY store builds, kept in memory: each
 * batch is applied here exactly as the server would apply it (concerts,
 * reservations and wallets loaded from here and evolved by their
 * projections; the seat plan's inserts and guarded updates with their
 * filters), and the final documents are inserted once at the end. On a server where every
 * update by `_id` costs a collection scan (FerretDB v1 on PostgreSQL: ~40
 * updates/s on a 20,000-document collection, against ~8,000 inserts/s), this
 * turns a rebuild of hours into one of seconds.
 */
export class DocumentImage {
  private readonly documents = new Map<Name, Map<string, StoredDocument>>(
    LOADED_COLLECTIONS.map((name) => [name, new Map()]),
  );

  get size(): number {
    let size = 0;
    for (const collection of this.documents.values()) size += collection.size;
    return size;
  }

  collection(name: Name): Map<string, StoredDocument> {
    return this.documents.get(name)!;
  }

  /**
   * What MongoDocumentsSink.apply writes for a batch: concerts, reservations
   * and wallets loaded from here and evolved by their projections, then the
   * seat plan. Returns the events skipped as poison.
   */
  async applyBatch(projections: DocumentProjections, events: readonly RecordedEvent[]): Promise<number> {
    const { changes, skipped } = await evolveBatch(projections, events, async (name, ids) => this.pick(name, ids));
    for (const [name, list] of changes) this.write(name, list);
    const plan = planWrites(events);
    this.apply(plan);
    return skipped + plan.skipped;
  }

  /** The stored documents of `ids`, as a load from the server would find them. */
  private pick(name: WholeCollection, ids: readonly string[]): Map<string, StoredDocument> {
    const collection = this.collection(name);
    const picked = new Map<string, StoredDocument>();
    for (const id of ids) {
      const document = collection.get(id);
      if (document) picked.set(id, document);
    }
    return picked;
  }

  /** What the writes of `changes` (writesOf) do on the server: this image is the only writer, so every guard holds. */
  private write(name: WholeCollection, changes: readonly Change[]): void {
    const collection = this.collection(name);
    for (const { id, after } of changes) {
      if (after) collection.set(id, after);
      else collection.delete(id);
    }
  }

  /** What MongoDocumentsSink.apply writes for the schedules' plan, in the same order. */
  private apply(plan: WritePlan): void {
    this.writeAll('schedules', plan.schedules);
    this.writeAll('seatBlocks', plan.layouts);
    const blocks = this.collection('seatBlocks');
    for (const round of plan.seatRounds) {
      for (const write of round) {
        const block = blocks.get(write.id);
        if (block && matches(block, write.filter)) update(block, write.update);
        else this.writeAll('seatBlocks', write.each);
      }
    }
    for (const filter of plan.staleBlocks) {
      for (const [id, block] of blocks) if (matches(block, filter as Filter<StoredDocument>)) blocks.delete(id);
    }
  }

  private writeAll(name: Name, writes: readonly DocumentWrite[]): void {
    const collection = this.collection(name);
    for (const { id, op, orElse } of writes) {
      const existing = collection.get(id);
      if ('insertOne' in op) {
        if (!existing) collection.set(id, op.insertOne.document as StoredDocument);
        else if (orElse && matches(existing, orElse.filter)) update(existing, orElse.update);
      } else if ('updateOne' in op) {
        if (existing && matches(existing, op.updateOne.filter)) update(existing, op.updateOne.update as Document);
      } else {
        throw new Error(`a bulk load cannot apply ${Object.keys(op)[0]}`);
      }
    }
  }
}

/**
 * Inserts the image's documents in large unordered chunks. A document that
 * is somehow there already (another writer) is updated instead, guarded by
 * its position as every other write of the sink is.
 */
export async function insertImage(
  image: DocumentImage,
  collections: Record<Name, Collection<StoredDocument>>,
  chunkSize: number,
): Promise<void> {
  const chunks: [Name, StoredDocument[]][] = [];
  for (const name of LOADED_COLLECTIONS) {
    const documents = [...image.collection(name).values()];
    // A seat block carries a hundred seats: fewer per insert keep each well inside the socket timeout.
    const size = name === 'seatBlocks' ? Math.max(1, Math.floor(chunkSize / 10)) : chunkSize;
    for (let i = 0; i < documents.length; i += size) chunks.push([name, documents.slice(i, i + size)]);
  }
  // Inserts do not hold FerretDB's connections as updates do (see BulkWriter): a few in flight use more cores.
  await allDone(
    Array.from({ length: INSERTS_IN_FLIGHT }, async () => {
      for (let next = chunks.shift(); next; next = chunks.shift()) {
        const [name, chunk] = next;
        const taken = await insertRetrying(collections[name], chunk);
        for (const index of taken) {
          const { _id, ...fields } = chunk[index];
          await collections[name].updateOne({ _id, position: { $lt: fields.position } }, { $set: fields });
        }
      }
    }),
  );
}

const INSERTS_IN_FLIGHT = 2;
const INSERT_ATTEMPTS = 3;

/**
 * An insert that timed out (a loaded server) is sent again: what it did
 * insert comes back as taken `_id`s, which get the guarded update, a no-op.
 */
async function insertRetrying(collection: Collection<StoredDocument>, chunk: StoredDocument[]): Promise<number[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await collection.insertMany(chunk, { ordered: false }).then(
        () => [],
        (error: unknown) => takenIds(error),
      );
    } catch (error) {
      if (attempt >= INSERT_ATTEMPTS || !isNetworkError(error)) throw error;
    }
  }
}

const isNetworkError = (error: unknown): boolean =>
  error instanceof MongoNetworkError || (error instanceof MongoBulkWriteError && isNetworkError(error.errorResponse));

const DUPLICATE_KEY = 11000;

function takenIds(error: unknown): number[] {
  const failures = (error as { writeErrors?: { code: number; index: number }[] | { code: number; index: number } })
    .writeErrors;
  const list = [failures ?? []].flat();
  if (list.length === 0 || list.some((f) => f.code !== DUPLICATE_KEY)) throw error;
  return list.map((f) => f.index);
}

// ---- the subset of MongoDB's query and update language the write plan uses ----

function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** `filter` as MongoDB evaluates it, for the operators write plans use ($lt, $lte, $gte, $nin, $not, equality). */
export function matches(doc: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  for (const [path, condition] of Object.entries(filter)) {
    if (!satisfies(valueAt(doc, path), condition)) return false;
  }
  return true;
}

function satisfies(value: unknown, condition: unknown): boolean {
  if (condition === null || condition === undefined) return value === null || value === undefined;
  if (typeof condition !== 'object' || Array.isArray(condition)) {
    return Array.isArray(value) ? value.includes(condition) : value === condition;
  }
  for (const [operator, operand] of Object.entries(condition)) {
    switch (operator) {
      case '$lt':
        if (!(typeof value === typeof operand && (value as number) < (operand as number))) return false;
        break;
      case '$lte':
        if (!(typeof value === typeof operand && (value as number) <= (operand as number))) return false;
        break;
      case '$gte':
        if (!(typeof value === typeof operand && (value as number) >= (operand as number))) return false;
        break;
      case '$nin': {
        const values = Array.isArray(value) ? value : [value];
        if (values.some((v) => (operand as unknown[]).includes(v))) return false;
        break;
      }
      case '$not':
        if (satisfies(value, operand)) return false;
        break;
      default:
        throw new Error(`a bulk load cannot evaluate ${operator}`);
    }
  }
  return true;
}

/** `$set` and `$unset` with dotted paths, creating the objects on the way as MongoDB does. */
function update(doc: Record<string, unknown>, changes: Document): void {
  for (const [operator, fields] of Object.entries(changes)) {
    for (const [path, value] of Object.entries(fields as Record<string, unknown>)) {
      if (operator !== '$set' && operator !== '$unset') throw new Error(`a bulk load cannot apply ${operator}`);
      const keys = path.split('.');
      let target: Record<string, unknown> | undefined = doc;
      for (const key of keys.slice(0, -1)) {
        let next: unknown = target[key];
        if (next === null || typeof next !== 'object') {
          if (operator === '$unset') {
            target = undefined;
            break;
          }
          target[key] = next = {};
        }
        target = next as Record<string, unknown>;
      }
      const last = keys[keys.length - 1];
      if (operator === '$set') target![last] = value;
      else if (target) delete target[last];
    }
  }
}
