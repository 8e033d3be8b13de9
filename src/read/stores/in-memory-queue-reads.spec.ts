import { InMemorySink } from '../../projections/in-memory.sink';
import { InMemoryQueueReads } from './in-memory.reads';
import { queueReadsContract } from './queue-reads.contract';

queueReadsContract(
  'InMemoryQueueReads',
  async () => {
    const sink = new InMemorySink();
    await sink.prepare();
    return { sink, reads: new InMemoryQueueReads(sink.documents), cleanup: () => sink.close() };
  },
  // One process owns its memory: no second writer to interleave with.
  { sharedStore: false },
);
