import type { EventRelay } from '../../messaging/event-relay';
import { ReadBreaker } from '../breakers/read-breaker';
import type { ProgressTracker } from '../read-progress';
import { DocumentReads, QueueReads } from './read-store.port';
import type { StoreVariants } from '../../projections/rebuild/store-variants';

export const READ_BACKENDS = Symbol('READ_BACKENDS');

/** What feeds one external store on this instance (see LiveStore). */
export interface StoreRunner extends ProgressTracker {
  /** 'starting' until start() has opened the live generation (/ready may ask before). */
  readonly role: 'writer' | 'follower' | 'starting';
  readonly failing: boolean;
  readonly lastError: string | undefined;
  /** The store's live generation (it changes when a rebuild switches it); unknown before start(). */
  readonly generation: number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One store queries read, behind its own breaker. */
export type ReadStore<Reads> = {
  readonly reads: Reads;
  readonly breaker: ReadBreaker;
  /** What feeds the store: how far it has applied the log (X-Min-Position and a miss wait for it). */
  readonly tracker: ProgressTracker;
  /** Each read is a round trip to a server: answers many ask for at once are shared (see SharedAnswers). */
  readonly remote?: boolean;
};

/** The stores queries read, each behind its own breaker, and the runners that feed the external ones. */
export type ReadBackends = {
  readonly queue: ReadStore<QueueReads>;
  readonly documents: ReadStore<DocumentReads>;
  /** Empty in the embedded profile: the in-process runner feeds the in-memory stores. */
  readonly runners: readonly StoreRunner[];
  /** Production: each external store with its generations, for the rebuild and verify tools. */
  readonly stores?: readonly StoreVariants<unknown>[];
  readonly breakers: readonly ReadBreaker[];
  /** Production with a broker: the relay that publishes the log to it (one instance at a time). */
  readonly relay?: EventRelay;
  /** Production with a broker: each store's consumer-group lag, measured with the other lags. */
  readonly consumerLag?: { of(projection: string): number | undefined; measure(): Promise<void> };
  /** Runs once before the runners start (creates the broker topic). */
  prepare?(): Promise<void>;
  close(): Promise<void>;
};
