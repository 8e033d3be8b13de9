import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE_ADMIN, EventStoreAdmin } from '../event-store/event-store.port';
import { READ_MODELS, ReadModels } from '../read/read-models';
import { READ_BACKENDS, ReadBackends } from '../read/stores/read-backends';
import { WriteLogFollower } from '../write/log-follower';
import { Lifecycle } from './lifecycle';
import { ADMISSION_PROCESS } from './tokens';
import { AdmissionProcess } from '../write/queue/admission.process';

/** A lag beyond this many events means queries would mostly wait or answer stale. */
const MAX_READY_LAG = 10_000;

/**
 * Ready means the write side has started, the event store answers and the
 * read models are close to its head. A read-model store that is down
 * degrades the read side (its breaker answers stale or 503) but keeps the
 * instance ready: commands need only the event store, and every instance
 * shares the same Redis and MongoDB, so taking instances out of rotation
 * would not help.
 */
@Injectable()
export class ReadinessService {
  constructor(
    @Inject(EVENT_STORE_ADMIN) private readonly store: EventStoreAdmin,
    @Inject(READ_MODELS) private readonly readModels: ReadModels | null,
    @Inject(READ_BACKENDS) private readonly backends: ReadBackends,
    @Inject(ADMISSION_PROCESS) private readonly admission: AdmissionProcess,
    private readonly follower: WriteLogFollower,
    private readonly lifecycle: Lifecycle,
  ) {}

  async check() {
    let head: number | undefined;
    try {
      head = await this.store.headPosition();
    } catch {
      head = undefined;
    }
    const lagOf = (position: number) => (head === undefined ? undefined : Math.max(0, head - position));
    const failing = this.backends.runners.filter((r) => r.failing);
    const breakers = Object.fromEntries(this.backends.breakers.map((b) => [b.name, b.state]));
    const degraded = failing.length > 0 || Object.values(breakers).some((state) => state !== 'closed');
    const runner = this.readModels?.runner;
    const inMemoryLag = runner ? lagOf(runner.position) : undefined;
    const writeSideLag = lagOf(this.follower.position);
    const stores = this.backends.runners.map((r) => ({
      name: r.name,
      role: r.role,
      generation: r.generation,
      position: r.position,
      lag: lagOf(r.position),
      ...(this.backends.consumerLag ? { consumerLag: this.backends.consumerLag.of(r.name) ?? null } : {}),
      ...(r.failing ? { error: r.lastError } : {}),
    }));
    const lags = [
      writeSideLag,
      ...(runner ? [inMemoryLag] : []),
      ...stores.filter((s) => !this.isFailing(s.name)).map((s) => s.lag),
    ];
    const caughtUp = lags.every((lag) => lag !== undefined && lag <= MAX_READY_LAG);
    // Queries read the stores; their slowest is how far a read can be behind.
    const readPositions = [...(runner ? [runner.position] : []), ...stores.map((s) => s.position)];
    const position = readPositions.length ? Math.min(...readPositions) : 0;
    return {
      ready: head !== undefined && this.lifecycle.writeSideStarted && caughtUp,
      eventStore: { status: head === undefined ? 'down' : 'up', kind: this.store.kind, head },
      readModels: {
        status: degraded ? 'degraded' : 'up',
        kind: this.backends.runners.length ? 'redis+mongodb' : 'in-memory',
      },
      breakers,
      projections: {
        position,
        lag: lagOf(position),
        writeSide: { started: this.lifecycle.writeSideStarted, position: this.follower.position, lag: writeSideLag },
        ...(runner ? { inMemory: { position: runner.position, lag: inMemoryLag } } : {}),
        stores,
        ...(this.backends.relay
          ? {
              relay: {
                publishing: this.backends.relay.isPublishing,
                ...(this.backends.relay.isPublishing
                  ? { position: this.backends.relay.position, lag: lagOf(this.backends.relay.position) }
                  : {}),
              },
            }
          : {}),
        skippedEvents: runner?.skipped ?? 0,
        admissionLeader: this.admission.isLeader,
      },
    };
  }

  private isFailing(name: string): boolean {
    return this.backends.runners.some((r) => r.name === name && r.failing);
  }
}
