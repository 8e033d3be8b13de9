import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { RecordedEvent, Subscription } from '../event-store.port';

const BATCH = 1_000;
const RETRY_MS = 500;

export type BatchedSubscriptionSource = {
  /** A KurrentDB catch-up subscription to $all that starts after `position`. */
  readonly open: (position: number) => AllStreamSubscription;
  readonly head: () => Promise<number>;
  /** The port's event, or undefined for what this store does not deliver (system events, other prefixes). */
  readonly recorded: (resolved: AllStreamResolvedEvent) => RecordedEvent | undefined;
  readonly after: number;
  readonly handler: (events: RecordedEvent[]) => Promise<void>;
};

/**
 * The port's subscription on a KurrentDB catch-up subscription: events come
 * in log order, each once, handed over in batches of what the client has
 * already buffered (one handler call per event would be a projection write
 * per event). The handler's pace is the subscription's: the next batch is
 * read only once it returns, so a slow handler holds the server back through
 * gRPC flow control instead of buffering here. A dropped subscription is
 * reopened after the last position delivered, so nothing is skipped or
 * repeated. `caughtUp` resolves when the server says so, or when the head
 * read at the start has been delivered (servers before 23.10 never say).
 */
export function subscribeBatched(source: BatchedSubscriptionSource): Subscription {
  let closed = false;
  let position = source.after;
  let current: AllStreamSubscription | undefined;
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
  const headAtStart = source.head().then(
    (head) => {
      if (head <= position) markCaughtUp();
      return head;
    },
    () => Infinity,
  );

  const run = async () => {
    while (!closed) {
      current = source.open(position);
      current.on('caughtUp', () => markCaughtUp());
      try {
        for await (const first of current) {
          if (closed) break;
          const batch = [first];
          let more: AllStreamResolvedEvent | null;
          while (batch.length < BATCH && (more = current.read() as AllStreamResolvedEvent | null) !== null) {
            batch.push(more);
          }
          const events = batch
            .map(source.recorded)
            .filter((e): e is RecordedEvent => e !== undefined && e.position > position);
          if (events.length === 0) continue;
          await source.handler(events);
          position = events[events.length - 1].position;
          if (position >= (await headAtStart)) markCaughtUp();
        }
      } catch {
        // Dropped (the server restarted, a leader changed) or the handler failed: resume after what was delivered.
      }
      if (!closed) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  const loop = run();

  return {
    caughtUp,
    async close() {
      closed = true;
      await current?.unsubscribe().catch(() => undefined);
      await loop;
    },
  };
}
