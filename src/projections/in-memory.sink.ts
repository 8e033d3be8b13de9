import { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { ALL_PROJECTIONS } from './all-projections';
import { InMemoryDocumentStore } from './document-store';
import { ProjectionRunner } from './projection-runner';
import { ProjectionSink } from './projection-sink';
import { storeVersion } from './rebuild/store-version';

/** Rebuilt from the log at every start, so always the deployed projections' versions. */
export const IN_MEMORY_VERSION = storeVersion(1, ALL_PROJECTIONS);

/** The in-process projections seen through the sink port, so the read-model contract suites can drive them too. */
export class InMemorySink implements ProjectionSink {
  readonly name = 'in-memory';
  readonly version = IN_MEMORY_VERSION;
  readonly documents = new InMemoryDocumentStore();
  private runner = this.newRunner();

  /** Where the model has got, read without a tick in between (see rebuild-in-memory.ts). */
  get position(): number {
    return this.runner.position;
  }

  async prepare(): Promise<void> {}

  async storedVersion(): Promise<string> {
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
