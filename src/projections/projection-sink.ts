import { RecordedEvent } from '../event-store/event-store.port';

/** A number, or a string naming the projections' versions too (see rebuild/store-version.ts). */
export type StoreVersion = number | string;

/**
 * A read-model store fed from the global log (Redis, MongoDB, or memory).
 *
 * `apply` writes a batch and its checkpoint together: either atomically (one
 * Redis Lua call) or checkpoint last in one ordered write, with every document
 * remembering the global position it last applied and skipping events at or
 * below it. So a batch re-delivered after a crash, a replay from zero, or two
 * instances applying the same events leave the read model unchanged.
 */
export interface ProjectionSink {
  /** Label for metrics, /ready and logs, e.g. `redis-queues`. */
  readonly name: string;
  /**
   * Changes whenever what is stored, or what a document means, changes (its
   * layout, or the version of a projection it applies): a store another
   * version wrote is rebuilt from the log (beside the live one, where a
   * LiveStore runs it; in place by a bare SinkRunner).
   */
  readonly version: StoreVersion;
  /** The version that wrote what is stored; undefined when nothing records one. */
  storedVersion(): Promise<StoreVersion | undefined>;
  /** Records `version` as the one that writes this store from now on. */
  recordVersion(): Promise<void>;
  /** Creates indexes, loads scripts. Safe to call on every start. */
  prepare(): Promise<void>;
  /** Global position of the last event this store has applied; 0 when empty. */
  checkpoint(): Promise<number>;
  /** Applies events (ascending positions, any types; unknown types are skipped) and stores the checkpoint. */
  apply(events: readonly RecordedEvent[]): Promise<void>;
  /** Deletes every document and the checkpoint (for a replay from zero). */
  reset(): Promise<void>;
  close(): Promise<void>;
}
