import { Collection, Document, MongoBulkWriteError } from 'mongodb';
import type { StoredDocument } from './collections';
import type { DocumentWrite } from './document-writes';

export type BulkWriterOptions = {
  /**
   * Operations per bulkWrite. FerretDB v1 keeps one backend connection per
   * matched update until the command ends, and hangs for good when its pool
   * runs out (100 SQLite connections; 50 PostgreSQL ones — 3 × 25 in flight
   * hung it under the holds benchmark): opsPerWrite × parallelWrites stays
   * well below, with room left for queries.
   */
  readonly opsPerWrite?: number;
  readonly parallelWrites?: number;
};

const DUPLICATE_KEY = 11000;

/** Bulk writes in bounded chunks, in parallel where documents differ, in order where they are the same. */
export class BulkWriter {
  private readonly opsPerWrite: number;
  private readonly parallelWrites: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor({ opsPerWrite = 20, parallelWrites = 1 }: BulkWriterOptions = {}) {
    this.opsPerWrite = opsPerWrite;
    this.parallelWrites = parallelWrites;
  }

  /** Writes to one document keep their order; chunks of different documents run in parallel. */
  async writeAll(collection: Collection<StoredDocument>, writes: readonly DocumentWrite[]): Promise<void> {
    await allDone(
      this.lanes(writes).map(async (lane) => {
        for (const chunk of lane) await this.write(collection, chunk);
      }),
    );
  }

  /**
   * Updates of distinct documents, in parallel chunks; returns the updates of
   * every chunk in which one or more matched nothing (which ones the server
   * does not say).
   */
  async updateDistinct<U extends { filter: Document; update: Document }>(
    collection: Collection<StoredDocument>,
    updates: readonly U[],
  ): Promise<U[]> {
    const chunks = chunked(updates, this.opsPerWrite);
    const missed = await allDone(
      chunks.map(async (chunk) => {
        const ops = chunk.map(({ filter, update }) => ({ updateOne: { filter, update } }));
        const result = await this.limited(() => collection.bulkWrite(ops, { ordered: false }));
        return result.matchedCount < chunk.length ? chunk : [];
      }),
    );
    return missed.flat();
  }

  /** Lanes run in parallel, a lane's chunks one after another; a document's writes never leave their lane. */
  private lanes(writes: readonly DocumentWrite[]): DocumentWrite[][][] {
    const byDocument = new Map<string, DocumentWrite[]>();
    for (const write of writes) {
      const list = byDocument.get(write.id);
      if (list) list.push(write);
      else byDocument.set(write.id, [write]);
    }
    const lanes: DocumentWrite[][][] = [];
    let shared: DocumentWrite[] = [];
    for (const list of byDocument.values()) {
      if (list.length > this.opsPerWrite) {
        lanes.push(chunked(list, this.opsPerWrite));
        continue;
      }
      if (shared.length + list.length > this.opsPerWrite) {
        lanes.push([shared]);
        shared = [];
      }
      shared.push(...list);
    }
    if (shared.length) lanes.push([shared]);
    return lanes;
  }

  /**
   * One bulkWrite, with every write that found its `_id` taken done again as
   * its `orElse`. Ordered when a document has several writes in the chunk,
   * so that a failure stops before that document's later writes, which resume
   * after the `orElse`.
   */
  private async write(collection: Collection<StoredDocument>, chunk: readonly DocumentWrite[]): Promise<void> {
    const ordered = new Set(chunk.map((write) => write.id)).size < chunk.length;
    let rest = chunk;
    while (rest.length > 0) {
      const batch = rest;
      const taken = await this.limited(() =>
        collection.bulkWrite(
          batch.map((write) => write.op),
          { ordered },
        ),
      ).then(
        () => [],
        (error: unknown) => duplicates(error, batch),
      );
      for (const index of taken) {
        const { filter, update } = batch[index].orElse!;
        await this.limited(() => collection.updateOne(filter, update));
      }
      rest = ordered && taken.length ? batch.slice(taken[0] + 1) : [];
    }
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= this.parallelWrites) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}

/**
 * Promise.all that waits for every write before failing: a batch that fails
 * is retried by the runner, and its writes must not still be running then.
 */
export async function allDone<T>(work: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Indexes of the writes that failed on a taken `_id` and have an `orElse`; any other failure is rethrown. */
function duplicates(error: unknown, batch: readonly DocumentWrite[]): number[] {
  if (!(error instanceof MongoBulkWriteError)) throw error;
  const failures = [error.writeErrors ?? []].flat();
  if (failures.length === 0 || failures.some((f) => f.code !== DUPLICATE_KEY || !batch[f.index]?.orElse)) throw error;
  return failures.map((f) => f.index).sort((a, b) => a - b);
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
