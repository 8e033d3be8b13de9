import { Collection, Db, MongoClient, MongoServerError } from 'mongodb';
import { RecordedEvent } from '../../event-store/event-store.port';
import { ProjectionSink } from '../projection-sink';
import { storeVersion } from '../rebuild/store-version';
import { DocumentImage, LOADED_COLLECTIONS, insertImage } from './bulk-load';
import { BulkWriter, BulkWriterOptions, allDone } from './bulk-writer';
import { COLLECTION_NAMES, DocumentCollections, INDEXES, StoredDocument, documentCollections } from './collections';
import {
  DOCUMENT_PROJECTIONS,
  DocumentProjections,
  WHOLE_COLLECTIONS,
  WholeCollection,
  evolveBatch,
  writesOf,
} from './whole-documents';
import { WritePlan, planWrites } from './write-plan';

/** Documents loaded at once: one find per `_id` (FerretDB v1 answers `$in` with a collection scan). */
const LOADS_IN_FLIGHT = 4;

/**
 * The catalog, seat, reservation and wallet read models in MongoDB (layout in
 * collections.ts). Concerts, reservations and wallets are applied by their
 * projections: each batch loads the documents it touches, evolves them with
 * the projections' `apply` and writes them back (whole-documents.ts);
 * schedules and seats are written in their own form (write-plan.ts). A batch
 * is written without a transaction: every write is guarded by the position
 * its document (or seat) last applied, and the checkpoint moves last, so a
 * crash half-way through a batch leaves writes that the re-delivered batch
 * skips.
 */
export class MongoDocumentsSink implements ProjectionSink {
  readonly name = 'mongo-documents';
  /** How the documents are laid out here; their projections' versions come on top (see `version`). */
  static readonly LAYOUT = 2;
  /** Events whose data did not have the declared shape (the in-memory runner counts these as poison). */
  skipped = 0;
  private readonly db: Db;
  private readonly collections: DocumentCollections;
  /** The same collections as writes built from events see them. */
  private readonly writable: Record<keyof DocumentCollections, Collection<StoredDocument>>;
  private readonly writer: BulkWriter;
  /** While a bulk load runs: the documents built so far, and the position they include. */
  private image: { documents: DocumentImage; position: number } | undefined;
  private readonly projections: DocumentProjections;

  constructor(
    mongo: MongoClient | Db,
    private readonly options: BulkWriterOptions & {
      readonly ownsClient?: boolean;
      /** Documents a bulk load keeps in memory before it writes them and goes on with guarded writes. */
      readonly bulkLoadLimit?: number;
      /** Documents per insertMany of a bulk load. */
      readonly bulkInsertChunk?: number;
      /** The definitions applied (another version of one of them in a test). */
      readonly projections?: Partial<DocumentProjections>;
    } = {},
  ) {
    this.projections = { ...DOCUMENT_PROJECTIONS, ...options.projections };
    this.db = mongo instanceof MongoClient ? mongo.db() : mongo;
    this.collections = documentCollections(this.db);
    const named = (name: keyof DocumentCollections) => this.db.collection<StoredDocument>(COLLECTION_NAMES[name]);
    this.writable = {
      concerts: named('concerts'),
      schedules: named('schedules'),
      seatBlocks: named('seatBlocks'),
      reservations: named('reservations'),
      wallets: named('wallets'),
      checkpoints: named('checkpoints'),
    };
    this.writer = new BulkWriter(options);
  }

  async prepare(): Promise<void> {
    for (const [name, indexes] of Object.entries(INDEXES)) {
      await this.collections[name as keyof DocumentCollections].createIndexes(indexes);
    }
  }

  /** The layout and the version of each projection it holds, e.g. `2 concerts@1 reservations@1 schedules@1 wallets@1`. */
  get version(): string {
    return storeVersion(MongoDocumentsSink.LAYOUT, Object.values(this.projections));
  }

  /** A store written before versions named their projections has only the layout's number, in `position`. */
  async storedVersion(): Promise<string | number | undefined> {
    const stored = await this.collections.checkpoints.findOne({ _id: `${this.name}:version` });
    return stored?.version ?? stored?.position;
  }

  /** Kept beside the checkpoint (the layout in its `position` field, so the collection keeps one document shape). */
  async recordVersion(): Promise<void> {
    await this.collections.checkpoints.updateOne(
      { _id: `${this.name}:version` },
      { $set: { position: MongoDocumentsSink.LAYOUT, version: this.version } },
      { upsert: true },
    );
  }

  async checkpoint(): Promise<number> {
    const stored = await this.collections.checkpoints.findOne({ _id: this.name });
    return stored?.position ?? 0;
  }

  /**
   * Starts a bulk load when nothing is stored (no checkpoint, no document):
   * `apply` then builds the documents in memory, and `endBulkLoad` inserts
   * them and moves the checkpoint. Until then the stored checkpoint stays 0,
   * so a crash leaves an empty (or, mid-insert, partly written) store that the
   * next replay fills again from the start with the usual guarded writes.
   * replayInto uses it for a replay from zero; the live runner never does.
   */
  async beginBulkLoad(): Promise<boolean> {
    if (this.image) return true;
    if ((await this.checkpoint()) !== 0) return false;
    for (const name of LOADED_COLLECTIONS) {
      if (await this.writable[name].findOne({}, { projection: { _id: 1 } })) return false;
    }
    this.image = { documents: new DocumentImage(), position: 0 };
    return true;
  }

  /** Writes what the bulk load built, then the checkpoint; the sink is back to guarded writes. */
  async endBulkLoad(): Promise<void> {
    const image = this.image;
    if (!image) return;
    this.image = undefined;
    if (image.position === 0) return;
    await insertImage(image.documents, this.writable, this.options.bulkInsertChunk ?? 500);
    await this.advanceCheckpoint(image.position);
  }

  /** Drops what a bulk load built without writing it: nothing of it was stored, the checkpoint says so. */
  abandonBulkLoad(): void {
    this.image = undefined;
  }

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    const last = events[events.length - 1];
    if (!last) return;
    const image = this.image;
    if (image) {
      if (last.position <= image.position) return;
      this.skipped += await image.documents.applyBatch(this.projections, events);
      image.position = last.position;
      if (image.documents.size >= (this.options.bulkLoadLimit ?? 2_000_000)) await this.endBulkLoad();
      return;
    }
    const { changes, skipped } = await evolveBatch(this.projections, events, (name, ids) => this.load(name, ids));
    const plan = planWrites(events);
    await allDone([
      ...WHOLE_COLLECTIONS.map((name) => this.writer.writeAll(this.writable[name], writesOf(changes.get(name)!))),
      this.writer.writeAll(this.writable.schedules, plan.schedules),
      this.applySeats(plan),
    ]);
    for (const filter of plan.staleBlocks) await this.collections.seatBlocks.deleteMany(filter);
    await this.advanceCheckpoint(last.position);
    this.skipped += plan.skipped + skipped;
  }

  /** Checkpoint first: if the reset stops half-way, the next start replays everything into what is left. */
  async reset(): Promise<void> {
    this.image = undefined;
    await this.collections.checkpoints.deleteOne({ _id: this.name });
    for (const [name, collection] of Object.entries(this.collections)) {
      if (name !== 'checkpoints') await collection.deleteMany({});
    }
  }

  /** Closes the client only when it was handed over; a shared one belongs to whoever made it. */
  async close(): Promise<void> {
    if (this.options.ownsClient) await this.db.client.close();
  }

  /** The stored documents of `ids`, one find by `_id` each, a few at a time. */
  private async load(name: WholeCollection, ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const loaded = new Map<string, StoredDocument>();
    let next = 0;
    await allDone(
      Array.from({ length: Math.min(LOADS_IN_FLIGHT, ids.length) }, async () => {
        for (let i = next++; i < ids.length; i = next++) {
          const document = await this.writable[name].findOne({ _id: ids[i] });
          if (document) loaded.set(ids[i], document);
        }
      }),
    );
    return loaded;
  }

  private async applySeats(plan: WritePlan): Promise<void> {
    const blocks = this.writable.seatBlocks;
    await this.writer.writeAll(blocks, plan.layouts);
    for (const round of plan.seatRounds) {
      // Misses are rare (a re-delivery, a seat the schedule lacks, a release by a non-holder): redo their chunk seat by seat.
      const missed = await this.writer.updateDistinct(blocks, round);
      await this.writer.writeAll(
        blocks,
        missed.flatMap((write) => write.each),
      );
    }
  }

  /** `$max`: a slower instance finishing an older batch never moves it back. */
  private async advanceCheckpoint(position: number): Promise<void> {
    const advance = () =>
      this.collections.checkpoints.updateOne({ _id: this.name }, { $max: { position } }, { upsert: true });
    try {
      await advance();
    } catch (error) {
      // Two instances creating the checkpoint at once: the loser's upsert finds it taken; now it exists.
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
      await advance();
    }
  }
}
