import { RecordedEvent } from './event-store.port';

/**
 * The events this process wrote most recently, by position, so that live
 * subscribers in the same process are fed without a round trip to the
 * database. Only a run of consecutive positions is served; anything else
 * (a gap another process filled, an evicted event) is read from the store.
 */
export class RecentEvents {
  private readonly byPosition = new Map<number, RecordedEvent>();

  constructor(private readonly capacity: number) {}

  add(events: readonly RecordedEvent[]): void {
    for (const event of events) this.byPosition.set(event.position, event);
    const excess = this.byPosition.size - this.capacity;
    if (excess <= 0) return;
    let dropped = 0;
    for (const position of this.byPosition.keys()) {
      if (dropped++ >= excess) break;
      this.byPosition.delete(position);
    }
  }

  after(position: number, limit: number): RecordedEvent[] | undefined {
    const run: RecordedEvent[] = [];
    for (let next = position + 1; run.length < limit; next++) {
      const event = this.byPosition.get(next);
      if (!event) break;
      run.push(event);
    }
    return run.length > 0 ? run : undefined;
  }
}
