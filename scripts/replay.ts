/**
 * npm run replay [-- --verify] — replays the whole event log through every
 * projection, with progress, and prints what the read models hold. With
 * --verify it replays again delivering every page twice and checks that the
 * two read models are identical (projections are idempotent). Uses the same
 * configuration as the service (DATA_DIR, DATABASE_URL, or KurrentDB); an embedded
 * DATA_DIR must not be in use by a running service.
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '../src/config';
import { EventStore } from '../src/event-store/event-store.port';
import { openEventStore } from '../src/event-store/open-event-store';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { InMemoryDocumentStore } from '../src/projections/document-store';
import { ProjectionRunner } from '../src/projections/projection-runner';

const PAGE = 5_000;

async function replay(store: EventStore, head: number, deliverTwice: boolean): Promise<InMemoryDocumentStore> {
  const documents = new InMemoryDocumentStore();
  const runner = new ProjectionRunner(store, documents, ALL_PROJECTIONS, (projection, event, error) =>
    console.error(`poison event at ${event.position} (${event.type}) in ${projection}: ${String(error)}`),
  );
  const started = Date.now();
  let lastReport = 0;
  let read = 0; // positions count events only on a store with dense positions (not KurrentDB)
  for (let position = 0; position < head;) {
    const page = await store.readAll(position, PAGE);
    if (page.length === 0) break;
    runner.applyBatch(page);
    if (deliverTwice) runner.applyBatch(page);
    read += page.length;
    position = page[page.length - 1].position;
    if (Date.now() - lastReport > 1_000 || position >= head) {
      lastReport = Date.now();
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `\r[replay] position ${position}/${head}, ${read} events, ${Math.round(read / Math.max(seconds, 0.001))}/s   `,
      );
    }
  }
  process.stderr.write('\n');
  return documents;
}

function fingerprint(documents: InMemoryDocumentStore, names: readonly string[]): string {
  const hash = createHash('sha256');
  const plain = (value: unknown): unknown =>
    value instanceof Map ? [...value.entries()].map(([k, v]) => [k, plain(v)]) : value;
  for (const name of names) {
    for (const [id, doc] of documents.collection(name)) {
      hash.update(JSON.stringify([name, id, Object.entries(doc).map(([k, v]) => [k, plain(v)])]));
    }
  }
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openEventStore(config.eventStore);
  try {
    const head = await store.headPosition();
    console.log(`event store: ${config.eventStore.kind}, head position ${head}`);
    const documents = await replay(store, head, false);
    const names = ALL_PROJECTIONS.map((p) => p.name);
    for (const name of names) console.log(`${name.padEnd(14)} ${documents.collection(name).size} documents`);
    if (process.argv.includes('--verify')) {
      const twice = await replay(store, head, true);
      const same = fingerprint(documents, names) === fingerprint(twice, names);
      console.log(
        same ? 'verify: every event delivered twice gives the same read models' : 'verify: READ MODELS DIFFER',
      );
      if (!same) process.exitCode = 1;
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
