import { InMemorySink } from '../../projections/in-memory.sink';
import { documentReadsContract } from './document-reads.contract';
import { InMemoryDocumentReads } from './in-memory.reads';

documentReadsContract('InMemoryDocumentReads', async () => {
  const sink = new InMemorySink();
  return {
    sink,
    reads: new InMemoryDocumentReads(sink.documents),
    // One process owns its memory: a second instance there is the same store, fed twice.
    secondSink: async () => sink,
    cleanup: () => sink.close(),
  };
});
