import type { EventStore, RecordedEvent, Subscription } from '../event-store/event-store.port';

export type LogListener = (events: readonly RecordedEvent[]) => void;

/**
 * The write side's one reader of the log: it keeps the stream-state cache
 * current with other instances' writes and feeds the process managers'
 * indexes. It starts from a recent mark the processes keep (never the start
 * of the history), so an instance's start-up costs the same whatever the
 * log's size.
 */
export class WriteLogFollower {
  private subscription: Subscription | undefined;
  private applied = 0;
  private readonly listeners: LogListener[] = [];

  constructor(private readonly store: Pick<EventStore, 'subscribe'>) {}

  get name(): string {
    return 'write-side';
  }

  get position(): number {
    return this.applied;
  }

  onEvents(listener: LogListener): void {
    this.listeners.push(listener);
  }

  /** Follows the log after `from`; resolves once it has reached the head. */
  async start(from: number): Promise<void> {
    this.applied = from;
    this.subscription = this.store.subscribe(from, (events) => {
      for (const listener of this.listeners) listener(events);
      this.applied = events[events.length - 1].position;
    });
    await this.subscription.caughtUp;
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }
}
