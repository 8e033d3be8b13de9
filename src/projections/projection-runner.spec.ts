import type { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { recorded } from '../shared/given-when-then';
import { InMemoryDocumentStore } from './document-store';
import { Document, Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

type CountDoc = Document & { seen: number[] };

/** Counts the positions it applies, per stream; throws on an event marked poison. */
const counting: Projection<CountDoc> = {
  name: 'counting',
  version: 1,
  handles: ['Happened'],
  documentIds: (event) => [event.streamId],
  apply: (doc, event) => {
    if ((event.data as { poison?: boolean }).poison) throw new Error('poison');
    return { position: 0, seen: [...(doc?.seen ?? []), event.position] };
  },
};

const happened = (streamId: string, poison = false) => [streamId, { type: 'Happened', data: { poison } }] as const;
const LOG = recorded(happened('A-1'), happened('A-2'), happened('A-1', true), happened('A-1'), [
  'A-1',
  { type: 'Unhandled', data: {} },
]);

function runner(onPoison?: (projection: string, event: RecordedEvent) => void) {
  const documents = new InMemoryDocumentStore();
  const run = new ProjectionRunner({} as EventStore, documents, [counting as unknown as Projection], onPoison);
  return { run, docs: documents.collection<CountDoc>('counting') };
}

describe('ProjectionRunner.applyBatch', () => {
  it('moves the checkpoint to the last position of a batch, never back', () => {
    const { run } = runner();
    run.applyBatch(LOG);
    run.applyBatch(LOG.slice(0, 2));
    run.applyBatch([]);
    expect(run.position).toBe(5);
  });

  it('applies each position once per document, however often it is delivered', () => {
    const { run, docs } = runner();
    for (const event of [...LOG, ...LOG]) run.applyBatch([event]);
    expect(docs.get('A-1')).toEqual({ position: 4, seen: [1, 4] });
    expect(docs.get('A-2')).toEqual({ position: 2, seen: [2] });
  });

  it('counts and reports a poison event, then carries on with the next one', () => {
    const poisoned: number[] = [];
    const { run, docs } = runner((projection, event) => poisoned.push(event.position));
    run.applyBatch(LOG);
    expect(run.skipped).toBe(1);
    expect(poisoned).toEqual([3]);
    expect(docs.get('A-1')?.seen).toEqual([1, 4]);
  });

  it('counts an event whose data lacks the ids a projection needs as poison, and carries on', () => {
    const documents = new InMemoryDocumentStore();
    const byData: Projection = {
      ...(counting as unknown as Projection),
      name: 'by-data',
      documentIds: (event) => [(event.data as { key: string }).key.toUpperCase()],
    };
    const poisoned: number[] = [];
    const run = new ProjectionRunner({} as EventStore, documents, [byData], (_p, event) =>
      poisoned.push(event.position),
    );
    run.applyBatch(
      recorded(['A-1', { type: 'Happened', data: {} }], ['A-1', { type: 'Happened', data: { key: 'k' } }]),
    );
    expect(poisoned).toEqual([1]);
    expect(run.position).toBe(2);
    expect([...documents.collection('by-data').keys()]).toEqual(['K']);
  });

  it('tells listeners about each batch after applying it', () => {
    const { run, docs } = runner();
    const heard: [number[], number[] | undefined][] = [];
    run.onApplied((events) => heard.push([events.map((e) => e.position), docs.get('A-1')?.seen]));
    run.applyBatch(LOG.slice(0, 2));
    expect(heard).toEqual([[[1, 2], [1]]]);
  });

  it('waitFor resolves true once the position is applied, false after the timeout', async () => {
    const { run } = runner();
    const waiting = run.waitFor(2, 1_000);
    run.applyBatch(LOG.slice(0, 2));
    await expect(waiting).resolves.toBe(true);
    await expect(run.waitFor(2, 1_000)).resolves.toBe(true);
    await expect(run.waitFor(99, 5)).resolves.toBe(false);
  });
});
