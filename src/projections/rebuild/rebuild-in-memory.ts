import { EventStore } from '../../event-store/event-store.port';
import { InMemoryDocumentStore } from '../document-store';
import { InMemorySink } from '../in-memory.sink';
import type { ProjectionRunner } from '../projection-runner';
import { compareModels } from './compare-models';
import { replayInto, ReplayProgress } from './replay-into';
import type { RebuildReport, VerifyReport } from './rebuild-store';

type Live = { readonly documents: InMemoryDocumentStore; readonly runner: ProjectionRunner };

/**
 * Builds a fresh in-memory model from the log and chases the live one until
 * both stand at the same position; the check and what follows run in one
 * tick, so no event is applied in between (the live runner applies its
 * batches in ticks of their own).
 */
async function atLivePosition<T>(
  live: Live,
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  onProgress: ((progress: ReplayProgress) => void) | undefined,
  then: (fresh: InMemorySink) => T,
): Promise<T> {
  const fresh = new InMemorySink();
  await replayInto(store, fresh, { until: live.runner.position, onProgress });
  for (;;) {
    const behind = live.runner.position - fresh.position;
    if (behind <= 0) return then(fresh);
    await fresh.apply(await store.readAll(fresh.position, behind));
  }
}

/** A fresh in-memory model replaces the live one between two events; queries never see a half-built one. */
export async function rebuildInMemory(
  live: Live,
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  onProgress?: (progress: ReplayProgress) => void,
): Promise<RebuildReport> {
  const started = Date.now();
  const fresh = await atLivePosition(live, store, onProgress, (caughtUp) => {
    live.documents.replaceWith(caughtUp.documents);
    return caughtUp;
  });
  return {
    projection: 'in-memory',
    generation: 0,
    previous: 0,
    resumed: false,
    target: 'process memory',
    events: fresh.position,
    position: fresh.position,
    seconds: (Date.now() - started) / 1000,
  };
}

export async function verifyInMemory(
  live: Live,
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  onProgress?: (progress: ReplayProgress) => void,
): Promise<VerifyReport> {
  return atLivePosition(live, store, onProgress, (fresh) => ({
    projection: 'in-memory',
    position: fresh.position,
    ...compareModels(live.documents.dump(), fresh.documents.dump()),
  }));
}
