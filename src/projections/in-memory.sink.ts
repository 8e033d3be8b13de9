import { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { ALL_PROJECTIONS } from './all-projections';
import { InMemoryDocumentStore } from './document-store';
import { ProjectionRunner } from './projection-runner';
import { ProjectionSink } from './projection-sink';

/** The in-process projections seen through the sink port, so the read-model contract suites can drive them too. */
export class InMemorySink implements ProjectionSink {
  readonly name = 'in-memory';
  readonly version = 1;
  readonly documents = new InMemoryDocumentStore();
  private runner = this.newRunner();

  /** Where the model has got, read without a tick in between (see rebuild-in-memory.ts). */
  get position(): number {
    return this.runner.position;
  }

  async prepare(): Promise<void> {}

  async storedVersion(): Promise<number | undefined> {
    return this.version;
  }

  async recordVersion(): Promise<void> {}

  async checkpoint(): Promise<number> {
    return this.position;
  }

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    this.runner.applyBatch(events);
  }

  async reset(): Promise<void> {
    this.documents.clear();
    this.runner = this.newRunner();
  }

  async close(): Promise<void> {}

  private newRunner(): ProjectionRunner {
    // Batches are pushed in by `apply`; the runner never subscribes, so it needs no store.
    return new ProjectionRunner(undefined as unknown as EventStore, this.documents, ALL_PROJECTIONS);
  }
}
