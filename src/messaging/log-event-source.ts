import { EventStore, SubscriptionHandler, Subscription } from '../event-store/event-store.port';
import { fromMessage, LOG_ID_HEADER, LogMessage } from './event-log-topic';
import { LogConsumer, MessageLog } from './message-log.port';

const CATCH_UP_PAGE = 1_000;
/** How often the event store is read while the consumer group is not fetching yet. */
const BRIDGE_MS = 50;
/** A log silent this long while the event store has more (a stalled relay) is bridged from the store. */
const LOG_SILENCE_MS = 1_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type LogFeedOptions = {
  /** This event log's identity; only messages stamped with it are ours. */
  readonly logId: () => Promise<string>;
  readonly onForeign?: (count: number) => void;
  /** Events handed to the projection, by where they were read. */
  readonly onDelivered?: (feed: 'log' | 'event-store', count: number) => void;
};

/**
 * A projection's feed in production with a broker: catch up from the event
 * store (fast, and complete even for a wiped read model or events older than
 * the topic keeps), then live from the broker through the projection's own
 * consumer group. Whatever the group's committed offset, events at or below
 * the position already delivered are skipped, and a hole (the broker ahead
 * of us) is filled from the event store, so the handler sees every position
 * once, in order — the same contract as `EventStore.subscribe`. Messages
 * relayed from another event log (see log-identity.ts) are dropped.
 *
 * The broker is the live path, not a dependency of correctness: joining a
 * consumer group takes seconds (coordinator, rebalance, first fetch), and a
 * relay can stall (broker down, a message it refuses). Until the consumer is
 * fetching, and whenever the log has been silent for a second while the
 * event store has more, the event store is read directly.
 */
export class LogEventSource {
  constructor(
    private readonly log: MessageLog,
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly group: string,
    private readonly options: LogFeedOptions,
  ) {}

  subscribe(after: number, handler: SubscriptionHandler): Subscription {
    const { onForeign, onDelivered } = this.options;
    let position = after;
    let closed = false;
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let consumer: LogConsumer | undefined;
    // The broker's batches and the store bridge take turns: the handler never runs twice at once.
    let turn: Promise<unknown> = Promise.resolve();
    const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
      const result = turn.then(work);
      turn = result.catch(() => undefined);
      return result;
    };

    const deliverFromStore = async (until: number) => {
      while (position < until && !closed) {
        const events = (await this.store.readAll(position, CATCH_UP_PAGE)).filter((e) => e.position <= until);
        if (!events.length) break;
        await handler(events);
        position = events[events.length - 1].position;
        onDelivered?.('event-store', events.length);
      }
    };

    const caughtUp = (async () => {
      // Retried until it works: a handler failing (its store down) must not lose the subscription.
      for (;;) {
        try {
          await inTurn(() => deliverFromStore(Number.MAX_SAFE_INTEGER));
          break;
        } catch {
          if (closed) return;
          await pause(500);
        }
      }
    })();

    let fetching = false;
    let heardFromLog = 0;
    let inFlightFromLog = 0; // batches received and not yet applied: a slow store is not a silent log
    let bridged = 0;
    let bridging = false;
    const bridge = setInterval(() => {
      const now = Date.now();
      const logBusy = inFlightFromLog > 0 || now - heardFromLog < LOG_SILENCE_MS;
      if (bridging || closed || (fetching && (logBusy || now - bridged < LOG_SILENCE_MS))) return;
      bridging = true;
      bridged = now;
      void inTurn(() => deliverFromStore(Number.MAX_SAFE_INTEGER))
        .catch(() => undefined)
        .finally(() => (bridging = false));
    }, BRIDGE_MS);

    const live = (async () => {
      await caughtUp;
      let ours: string | undefined;
      while (!closed && ours === undefined) {
        ours = await this.options.logId().catch(async () => {
          await pause(500);
          return undefined;
        });
      }
      if (closed) return;
      const onBatch = (messages: readonly LogMessage[]) => {
        heardFromLog = Date.now();
        inFlightFromLog++;
        return inTurn(async () => {
          const mine = messages.filter((m) => m.headers[LOG_ID_HEADER] === ours);
          if (mine.length < messages.length) onForeign?.(messages.length - mine.length);
          const events = mine.map(fromMessage).filter((e) => e.position > position);
          if (!events.length || closed) return;
          await deliverFromStore(events[0].position - 1);
          await handler(events);
          position = events[events.length - 1].position;
          onDelivered?.('log', events.length);
        }).finally(() => {
          inFlightFromLog--;
          heardFromLog = Date.now();
        });
      };
      // A broker that is down at start only delays the live feed: keep trying to join the group.
      while (!closed && !consumer) {
        try {
          consumer = await this.log.consume(this.group, onBatch);
        } catch {
          await pause(1_000);
        }
      }
      await Promise.race([consumer?.fetching, stopped]);
      fetching = true;
    })();

    return {
      caughtUp,
      async close() {
        closed = true;
        stop();
        clearInterval(bridge);
        await live.catch(() => undefined);
        await consumer?.stop();
        await turn;
      },
    };
  }
}
