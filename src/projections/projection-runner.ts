import { EventStore, RecordedEvent, Subscription } from '../event-store/event-store.port';
import type { ProgressTracker } from '../read/read-progress';
import { InMemoryDocumentStore } from './document-store';
import { Document, Projection, evolveDocuments } from './projection';

export type RunnerListener = (events: readonly RecordedEvent[]) => void;

/**
 * Feeds projections from the event store's global log: catch up, then live.
 * A document that has already applied an event's position skips it, so a
 * duplicate delivery or a replay from zero leaves every document unchanged.
 */
export class ProjectionRunner implements ProgressTracker {
  readonly name = 'in-memory';
  private checkpoint = 0;
  private subscription: Subscription | undefined;
  private readonly waiters = new Set<{ position: number; resolve: () => void }>();
  private readonly listeners: RunnerListener[] = [];
  private readonly byType = new Map<string, Projection[]>();
  skipped = 0;

  constructor(
    private readonly store: EventStore,
    private readonly documents: InMemoryDocumentStore,
    projections: readonly Projection<Document>[],
    private readonly onPoison: (projection: string, event: RecordedEvent, error: unknown) => void = () => undefined,
  ) {
    for (const projection of projections) {
      for (const type of projection.handles) this.byType.set(type, [...(this.byType.get(type) ?? []), projection]);
    }
  }

  get position(): number {
    return this.checkpoint;
  }

  /** Runs after each batch is applied; the process managers watch the log through it. */
  onApplied(listener: RunnerListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    this.subscription = this.store.subscribe(this.checkpoint, (events) => this.applyBatch(events));
    await this.subscription.caughtUp;
  }

  applyBatch(events: readonly RecordedEvent[]): void {
    for (const event of events) this.apply(event);
    const last = events[events.length - 1];
    if (last && last.position > this.checkpoint) this.checkpoint = last.position;
    for (const listener of this.listeners) listener(events);
    for (const waiter of this.waiters) {
      if (waiter.position <= this.checkpoint) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private apply(event: RecordedEvent): void {
    for (const projection of this.byType.get(event.type) ?? []) {
      // A poison event must not stop every other read model: count it and move on.
      evolveDocuments(projection, event, this.documents.collection(projection.name), (error) => {
        this.skipped += 1;
        this.onPoison(projection.name, event, error);
      });
    }
  }

  /** Resolves true once `position` is applied, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (position <= this.checkpoint) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    for (const waiter of this.waiters) waiter.resolve();
  }
}
