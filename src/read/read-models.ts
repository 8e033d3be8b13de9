import { InMemoryDocumentStore } from '../projections/document-store';
import { ProjectionRunner } from '../projections/projection-runner';

/**
 * The embedded profile's in-process read models: the documents queries read
 * and the runner that feeds them from the whole log. Production has none (the
 * provider gives null): its queries read Redis and MongoDB, and no part of
 * the write side reads a read model in any profile.
 */
export const READ_MODELS = Symbol('READ_MODELS');

/** The most a query waits for `X-Min-Position` before answering 503 READ_MODEL_STALE (see GuardedReads). */
export const MIN_POSITION_WAIT_MS = 2_000;

export class ReadModels {
  constructor(
    readonly documents: InMemoryDocumentStore,
    readonly runner: ProjectionRunner,
  ) {}

  get position(): number {
    return this.runner.position;
  }
}
