import { Collection, Db, MongoClient, MongoServerError } from 'mongodb';
import { RecordedEvent } from '../../event-store/event-store.port';
import { ProjectionSink } from '../projection-sink';
import { DocumentImage, LOADED_COLLECTIONS, insertImage } from './bulk-load';
import { BulkWriter, BulkWriterOptions, allDone } from './bulk-writer';
import { COLLECTION_NAMES, DocumentCollections, INDEXES, StoredDocument, documentCollections } from './collections';
import { WritePlan, planWrites } from './write-plan';

/**
 * The catalog, seat, reservation and wallet read models in MongoDB (layout in
 * collections.ts). A batch is written without a transaction: every write is
 * guarded by the position its document (or seat) last applied, and the
 * checkpoint moves last, so a crash half-way through a batch leaves writes
 * that the re-delivered batch skips.
 */
export class MongoDocumentsSink implements ProjectionSink {
  readonly name = 'mongo-documents';
  readonly version = 1;
  /** Events whose data did not have the declared shape (the in-memory runner counts these as poison). */
  skipped = 0;
  private readonly db: Db;
  private readonly collections: DocumentCollections;
  /** The same collections as writes built from events see them. */
  private readonly writable: Record<keyof DocumentCollections, Collection<StoredDocument>>;
  private readonly writer: BulkWriter;
  /** While a bulk load runs: the documents built so far, and the position they include. */
  private image: { documents: DocumentImage; position: number } | undefined;

  constructor(
    mongo: MongoClient | Db,
    private readonly options: BulkWriterOptions & {
      readonly ownsClient?: boolean;
      /** Documents a bulk load keeps in memory before it writes them and goes on with guarded writes. */
      readonly bulkLoadLimit?: number;
      /** Documents per insertMany of a bulk load. */
      readonly bulkInsertChunk?: number;
    } = {},
  ) {
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

  async storedVersion(): Promise<number | undefined> {
    const stored = await this.collections.checkpoints.findOne({ _id: `${this.name}:version` });
    return stored?.position;
  }

  /** Kept beside the checkpoint, in its `position` field, so the collection keeps one document shape. */
  async recordVersion(): Promise<void> {
    await this.collections.checkpoints.updateOne(
      { _id: `${this.name}:version` },
      { $set: { position: this.version } },
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
    const plan = planWrites(events);
    if (this.image) {
      if (last.position <= this.image.position) return;
      this.image.documents.apply(plan);
      this.image.position = last.position;
      this.skipped += plan.skipped;
      if (this.image.documents.size >= (this.options.bulkLoadLimit ?? 2_000_000)) await this.endBulkLoad();
      return;
    }
    const { concerts, schedules, reservations, wallets } = this.writable;
    await allDone([
      this.writer.writeAll(concerts, plan.concerts),
      this.writer.writeAll(schedules, plan.schedules),
      this.writer.writeAll(reservations, plan.reservations),
      this.writer.writeAll(wallets, plan.wallets),
      this.applySeats(plan),
    ]);
    for (const filter of plan.staleBlocks) await this.collections.seatBlocks.deleteMany(filter);
    await this.advanceCheckpoint(last.position);
    this.skipped += plan.skipped;
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
