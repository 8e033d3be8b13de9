import { EventEmitter } from 'node:events';
import { EventStore, Subscription, SubscriptionHandler } from './event-store.port';

const PAGE = 1000;
const IDLE_POLL_MS = 250;
const RETRY_MS = 500;

/**
 * Catch-up subscription over `readAll`: read pages until the head, then sleep
 * until an append is signalled (this process, or NOTIFY from another one) or
 * the idle poll fires. Positions are dense, so reading strictly after the last
 * delivered position never skips or repeats an event.
 */
export function runSubscription(
  store: Pick<EventStore, 'readAll'>,
  signals: EventEmitter,
  after: number,
  handler: SubscriptionHandler,
  onError: (error: unknown) => void = () => undefined,
): Subscription {
  let closed = false;
  let position = after;
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
  let wake: () => void = () => undefined;
  let signalled = false;
  const onSignal = () => {
    signalled = true;
    wake();
  };
  signals.on('appended', onSignal);
  signals.on('closed', onSignal);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (signalled) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = () => undefined;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    while (!closed) {
      try {
        signalled = false;
        const events = await store.readAll(position, PAGE);
        if (closed) break;
        if (events.length === 0) {
          markCaughtUp();
          await sleep(IDLE_POLL_MS);
          continue;
        }
        await handler(events);
        position = events[events.length - 1].position;
      } catch (error) {
        if (closed) break;
        onError(error);
        await sleep(RETRY_MS);
      }
    }
  })();

  return {
    caughtUp,
    async close() {
      closed = true;
      signals.off('appended', onSignal);
      signals.off('closed', onSignal);
      wake();
      await loop;
    },
  };
}
