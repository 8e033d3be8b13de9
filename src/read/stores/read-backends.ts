import type { EventRelay } from '../../messaging/event-relay';
import type { SinkRunner } from '../../projections/sink-runner';
import { ReadBreaker } from '../breakers/read-breaker';
import type { ProgressTracker } from '../read-progress';
import { DocumentReads, QueueReads } from './read-store.port';

export const READ_BACKENDS = Symbol('READ_BACKENDS');

/** The stores queries read, each behind its own breaker, and the runners that feed the external ones. */
export type ReadBackends = {
  readonly queue: { readonly reads: QueueReads; readonly breaker: ReadBreaker };
  readonly documents: {
    readonly reads: DocumentReads;
    readonly breaker: ReadBreaker;
    /** Set where a read costs a round trip: how far the store has got, so shared answers can be reused safely. */
    readonly progress?: ProgressTracker;
  };
  /** Empty in the embedded profile: the in-process runner feeds the in-memory stores. */
  readonly runners: readonly SinkRunner[];
  readonly breakers: readonly ReadBreaker[];
  /** Production with a broker: the relay that publishes the log to it (one instance at a time). */
  readonly relay?: EventRelay;
  /** Production with a broker: each store's consumer-group lag, measured with the other lags. */
  readonly consumerLag?: { of(projection: string): number | undefined; measure(): Promise<void> };
  /** Runs once before the runners start (creates the broker topic). */
  prepare?(): Promise<void>;
  close(): Promise<void>;
};
