import { EventStore, SubscriptionHandler, Subscription } from '../event-store/event-store.port';
import { fromMessage } from './event-log-topic';
import { LogConsumer, MessageLog } from './message-log.port';

const CATCH_UP_PAGE = 1_000;

/**
 * A projection's feed in production with a broker: catch up from the event
 * store (fast, and complete even for a wiped read model or events older than
 * the topic keeps), then live from the broker through the projection's own
 * consumer group. Whatever the group's committed offset, events at or below
 * the position already delivered are skipped, and a hole (the broker ahead
 * of us) is filled from the event store, so the handler sees every position
 * once, in order — the same contract as `EventStore.subscribe`.
 */
export class LogEventSource {
  constructor(
    private readonly log: MessageLog,
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly group: string,
  ) {}

  subscribe(after: number, handler: SubscriptionHandler): Subscription {
    let position = after;
    let closed = false;
    let consumer: LogConsumer | undefined;

    const deliverFromStore = async (until: number) => {
      while (position < until && !closed) {
        const events = (await this.store.readAll(position, CATCH_UP_PAGE)).filter((e) => e.position <= until);
        if (!events.length) break;
        await handler(events);
        position = events[events.length - 1].position;
      }
    };

    const caughtUp = (async () => {
      // Retried until it works: a handler failing (its store down) must not lose the subscription.
      for (;;) {
        try {
          await deliverFromStore(Number.MAX_SAFE_INTEGER);
          break;
        } catch {
          if (closed) return;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();

    const live = (async () => {
      await caughtUp;
      if (closed) return;
      const onBatch = async (messages: Parameters<Parameters<MessageLog['consume']>[1]>[0]) => {
        const events = messages.map(fromMessage).filter((e) => e.position > position);
        if (!events.length || closed) return;
        await deliverFromStore(events[0].position - 1);
        await handler(events);
        position = events[events.length - 1].position;
      };
      // A broker that is down at start only delays the live feed: keep trying to join the group.
      while (!closed && !consumer) {
        try {
          consumer = await this.log.consume(this.group, onBatch);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    })();

    return {
      caughtUp,
      async close() {
        closed = true;
        await live.catch(() => undefined);
        await consumer?.stop();
      },
    };
  }
}
