/**
 * npm run bench:seed-log -- N — fills an EMPTY event store (the one the
 * service's own settings name: DATABASE_URL, or DATA_DIR for PGlite) with a
 * realistic log of N events written by the real deciders (replay-events.ts),
 * so that start-up and restart can be timed over a large history. Progress on
 * stderr.
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { openEventStore } from '../src/event-store/open-event-store';
import { EventLogGenerator } from './replay-events';

const PAGE = 5_000;

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(total) || total <= 0) throw new Error('usage: bench:seed-log -- <events>');
  const store = await openEventStore(loadConfig().eventStore);
  try {
    if ((await store.headPosition()) !== 0) throw new Error('the event store is not empty');
    const generator = new EventLogGenerator({ seed: 1 });
    const began = Date.now();
    let head = 0;
    while (head < total) {
      const page = generator.next(Math.min(PAGE, total - head));
      if (page.length === 0) break;
      head = await store.importEvents(page[0].position - 1, page);
      if (head % 100_000 < PAGE || head === total) {
        const rate = Math.round((head * 1000) / Math.max(1, Date.now() - began));
        process.stderr.write(`seeded ${head.toLocaleString('en')}/${total.toLocaleString('en')} events (${rate}/s)\n`);
      }
    }
    process.stdout.write(JSON.stringify({ events: head, seconds: (Date.now() - began) / 1000 }) + '\n');
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
