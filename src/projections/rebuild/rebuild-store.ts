import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventStore } from '../../event-store/event-store.port';
import { Lease } from '../../shared/lease';
import { Comparison, compareModels } from './compare-models';
import type { Generations } from '../../event-store/coordination/coordination.port';
import { replayInto, ReplayProgress } from './replay-into';
import { StoreVariants, variantOf } from './store-variants';
import { versionCheck } from './store-version';

/** Long enough for every instance to have polled the switch and for reads already under way to finish. */
export const DROP_OLD_AFTER_MS = 5_000;
const LEASE_TTL_MS = 10_000;

export type RebuildReport = {
  readonly projection: string;
  readonly generation: number;
  readonly previous: number;
  readonly resumed: boolean;
  readonly target: string;
  readonly events: number;
  readonly position: number;
  readonly seconds: number;
};

export type VerifyReport = Comparison & { readonly projection: string; readonly position: number };

export type RebuildOptions = {
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Told when the new generation is live and again when the old one is gone. */
  readonly onStep?: (step: string) => void;
  readonly dropOldAfterMs?: number;
  readonly holder?: string;
  /** Stops waiting for the lease, the replay and the wait before the drop (the old generation is then left). */
  readonly signal?: AbortSignal;
};

export class RebuildBusyError extends Error {
  constructor(readonly projection: string) {
    super(`a rebuild of ${projection} is already running`);
    this.name = 'RebuildBusyError';
  }
}

type Sources = { readonly store: Pick<EventStore, 'readAll' | 'headPosition'>; readonly generations: Generations };
type LeaseFor = (name: string, holder: string, ttlMs: number) => Lease;

/**
 * Blue/green: the next generation is built beside the live one from the
 * log, caught up to the head, made live in one UPDATE that every instance
 * polls (each switches its reads once its own runner for the new generation
 * has caught up), and the old generation is dropped a few seconds later.
 * The new generation's checkpoint lives in it, so a rebuild that died is
 * resumed where it got to; a lease keeps two rebuilds of one store apart.
 */
export async function rebuildStore<Reads>(
  variants: StoreVariants<Reads>,
  sources: Sources,
  lease: LeaseFor,
  options: RebuildOptions = {},
): Promise<RebuildReport> {
  return withRebuildLease(variants, lease, options, () => buildNextGeneration(variants, sources, options));
}

/**
 * Rebuilds `variants` as rebuildStore does, but only if its live generation
 * was built with other projection versions than this deployment's (see
 * store-version.ts), decided while holding the rebuild lease: of several
 * instances started on new versions one rebuilds, and the others find the
 * new generation current. Resolves undefined when there was nothing to do.
 */
export async function rebuildIfOutdated<Reads>(
  variants: StoreVariants<Reads>,
  sources: Sources,
  lease: LeaseFor,
  options: RebuildOptions = {},
): Promise<RebuildReport | undefined> {
  return withRebuildLease(variants, lease, options, async () => {
    const live = (await sources.generations.live([variants.target])).get(variants.target) ?? 0;
    const sink = variants.sink(variantOf(live));
    try {
      if ((await versionCheck(sink)) !== 'outdated') return undefined;
    } finally {
      await sink.close();
    }
    options.onStep?.(`generation ${live} of ${variants.name} was built with other versions than ${sink.version}`);
    return buildNextGeneration(variants, sources, options);
  });
}

/** A lease keeps two rebuilds of one store apart (the admin tools' and the instances' alike). */
async function withRebuildLease<Reads, T>(
  variants: StoreVariants<Reads>,
  lease: LeaseFor,
  options: RebuildOptions,
  work: () => Promise<T>,
): Promise<T> {
  const held = lease(`rebuild:${variants.target}`, options.holder ?? randomBytes(6).toString('hex'), LEASE_TTL_MS);
  // A rebuild that died leaves its lease to expire: wait that long before calling the store busy.
  const deadline = Date.now() + LEASE_TTL_MS + 1_000;
  while (!(await held.acquire())) {
    if (Date.now() > deadline) throw new RebuildBusyError(variants.name);
    if (deadline - Date.now() > LEASE_TTL_MS) {
      options.onStep?.(`waiting for the lease of ${variants.name}: another rebuild holds it, or one that died did`);
    }
    await sleep(1_000, undefined, { signal: options.signal });
  }
  const renew = setInterval(() => void held.acquire(), LEASE_TTL_MS / 3);
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await held.release();
  }
}

async function buildNextGeneration<Reads>(
  variants: StoreVariants<Reads>,
  { store, generations }: Sources,
  options: RebuildOptions,
): Promise<RebuildReport> {
  const started = Date.now();
  const { generation, resumed } = await generations.beginRebuild(variants.target);
  const sink = variants.sink(variantOf(generation));
  try {
    await sink.prepare();
    const stored = await sink.storedVersion();
    if (stored !== undefined && stored !== sink.version) await sink.reset();
    await sink.recordVersion();
    const from = await sink.checkpoint();
    const position = await replayInto(store, sink, { onProgress: options.onProgress, signal: options.signal });
    const previous = await generations.switchTo(variants.target, generation);
    options.onStep?.(`generation ${generation} of ${variants.name} is live`);
    await sleep(options.dropOldAfterMs ?? DROP_OLD_AFTER_MS, undefined, { signal: options.signal });
    await variants.drop(variantOf(previous));
    options.onStep?.(`generation ${previous} of ${variants.name} dropped`);
    return {
      projection: variants.name,
      generation,
      previous,
      resumed,
      target: variants.label(variantOf(generation)),
      events: position - from,
      position,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await sink.close();
  }
}

/**
 * Replays the log into a scratch copy up to the live generation's checkpoint
 * and compares the two. A live store that moved on meanwhile is chased a few
 * times before its differences count.
 */
export async function verifyStore<Reads>(
  variants: StoreVariants<Reads>,
  { store, generations }: Sources,
  options: Pick<RebuildOptions, 'onProgress'> = {},
): Promise<VerifyReport> {
  const live = variantOf((await generations.live([variants.target])).get(variants.target) ?? 0);
  const liveSink = variants.sink(live);
  const scratch = `v${randomBytes(4).toString('hex')}`;
  const sink = variants.sink(scratch);
  try {
    await sink.prepare();
    await sink.recordVersion();
    let position = await liveSink.checkpoint();
    for (let attempt = 0; ; attempt++) {
      await replayInto(store, sink, { until: position, onProgress: options.onProgress });
      const comparison = compareModels(await variants.dump(live), await variants.dump(scratch));
      const now = await liveSink.checkpoint();
      if (comparison.same || now === position || attempt === 2) {
        return { projection: variants.name, position, ...comparison };
      }
      position = now;
    }
  } finally {
    await variants.drop(scratch).catch(() => undefined);
    await sink.close();
    await liveSink.close();
  }
}
