import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE_ADMIN, EventStoreAdmin } from '../event-store/event-store.port';
import { IdempotencyStore } from '../http/idempotency/idempotency.store';
import { MetricsService } from '../http/metrics/metrics.service';
import { READ_MODELS, ReadModels } from '../read/read-models';
import type { ProgressTracker } from '../read/read-progress';
import { READ_BACKENDS, ReadBackends } from '../read/stores/read-backends';
import { CACHED_EVENT_STORE, CachedEventStore } from '../event-store/state-cache/cached-event-store';
import { WriteLogFollower } from '../write/log-follower';
import { AdmissionProcess } from '../write/queue/admission.process';
import { QueuePlaces } from '../write/queue/queue-places';
import { KnownUsers } from '../write/users/known-users';
import { ReservationSweeper } from '../write/reservations/reservation-sweeper';
import { WaitlistProcess } from '../write/waitlist/waitlist.process';
import { startStep } from './start-step';
import { ADMISSION_PROCESS, RESERVATION_SWEEPER, WAITLIST_PROCESS } from './tokens';

/**
 * Start order: the write side first (it follows the log from a recent mark,
 * so it is quick whatever the history), then the read side (the embedded
 * profile's in-process models replay the log; production's stores catch up
 * from their own checkpoints). `started` resolves when both are up; a
 * production instance answers /health meanwhile and /ready says when it can
 * serve. Every step logs its start, its progress and its end.
 */
@Injectable()
export class Lifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Lifecycle');
  private lagTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  head = 0;
  /** The write side follows the log and its processes run. */
  writeSideStarted = false;
  started: Promise<void> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE_ADMIN) private readonly store: EventStoreAdmin,
    @Inject(CACHED_EVENT_STORE) private readonly states: CachedEventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels | null,
    @Inject(READ_BACKENDS) private readonly backends: ReadBackends,
    @Inject(ADMISSION_PROCESS) private readonly admission: AdmissionProcess,
    @Inject(RESERVATION_SWEEPER) private readonly sweeper: ReservationSweeper,
    @Inject(WAITLIST_PROCESS) private readonly waitlist: WaitlistProcess,
    private readonly follower: WriteLogFollower,
    private readonly places: QueuePlaces,
    private readonly users: KnownUsers,
    private readonly metrics: MetricsService,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /** Everything that applies the log, with how far it has got: the write side's follower and each read store. */
  get trackers(): readonly Pick<ProgressTracker, 'name' | 'position'>[] {
    return [this.follower, ...(this.readModels ? [this.readModels.runner] : []), ...this.backends.runners];
  }

  onApplicationBootstrap(): void {
    this.store.onWritten((events) => {
      const byType = new Map<string, number>();
      for (const event of events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
      for (const [type, count] of byType) this.metrics.eventsAppended.inc({ type }, count);
    });
    this.follower.onEvents((events) => {
      this.states.observe(events);
      this.sweeper.observe(events);
      this.admission.notice(events);
      this.waitlist.notice(events);
      // Users signed up on any instance are known here without a stream read on their first request.
      this.users.observe(events);
    });
    this.started = this.startAll();
    // The caller awaits `started` (createApp) or logs its failure (main): never an unhandled rejection.
    this.started.catch(() => undefined);
  }

  private async startAll(): Promise<void> {
    const began = Date.now();
    const head = await startStep(this.logger, 'reading the log head', () => this.store.headPosition());
    this.head = head;
    this.logger.log({ head, profile: this.readModels ? 'embedded' : 'production' }, 'starting');
    const from = await this.sweeper.resumeFrom();
    await startStep(
      this.logger,
      'write side: following the log from its low-water mark',
      () => this.follower.start(from),
      {
        from,
        head,
        progress: () => ({ position: this.follower.position }),
      },
    );
    await startStep(this.logger, 'write side: indexing the waiting lines', () => this.places.catchUp(head), {
      progress: () => ({ position: this.places.position }),
    });
    if (this.stopping) return;
    this.admission.start();
    this.sweeper.start();
    this.waitlist.start();
    this.writeSideStarted = true;
    this.lagTimer = setInterval(() => void this.measureLag(), 1_000);
    // Replies older than the 24 h replay window are never served again.
    this.purgeTimer = setInterval(() => void this.idempotency.purgeExpired().catch(() => undefined), 3_600_000);
    const runner = this.readModels?.runner;
    if (runner && !this.stopping) {
      await startStep(this.logger, 'read models: replaying the log into process memory', () => runner.start(), {
        head,
        progress: () => ({ position: runner.position }),
      });
    }
    await startStep(this.logger, 'read stores: preparing', async () => this.backends.prepare?.());
    if (this.stopping) return;
    if (this.backends.relay) await startStep(this.logger, 'relay: starting', () => this.backends.relay!.start());
    // A store that is down at boot does not hold the service back: its runner keeps trying.
    for (const store of this.backends.runners) {
      if (this.stopping) return;
      await startStep(this.logger, `read store ${store.name}: catching up`, () => store.start(), {
        progress: () => ({ position: store.position }),
      });
    }
    await this.measureLag();
    this.logger.log({ ms: Date.now() - began, position: this.follower.position }, 'started');
  }

  async measureLag(): Promise<void> {
    this.measureStateCache();
    try {
      this.head = await this.store.headPosition();
      for (const tracker of this.trackers) {
        this.metrics.projectionPosition.set({ projection: tracker.name }, tracker.position);
        this.metrics.projectionLag.set({ projection: tracker.name }, Math.max(0, this.head - tracker.position));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot read the head position');
    }
    // A broker that is down shows as the last lag it had; the relay and the runners report the outage.
    await this.backends.consumerLag?.measure().catch(() => undefined);
  }

  private readonly cacheCounted = { hits: 0, misses: 0 };

  private measureStateCache(): void {
    const { states } = this.states;
    this.metrics.stateCache.set({ measure: 'bytes' }, states.bytes);
    this.metrics.stateCache.set({ measure: 'budget_bytes' }, states.budgetBytes);
    this.metrics.stateCache.set({ measure: 'streams' }, states.size);
    const { hits, misses } = states.counts;
    this.metrics.stateCacheLookups.inc({ result: 'hit' }, hits - this.cacheCounted.hits);
    this.metrics.stateCacheLookups.inc({ result: 'miss' }, misses - this.cacheCounted.misses);
    Object.assign(this.cacheCounted, { hits, misses });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.lagTimer);
    clearInterval(this.purgeTimer);
    await this.admission.stop();
    await this.waitlist.stop();
    await this.sweeper.stop();
    await this.follower.stop();
    await this.readModels?.runner.stop();
    await Promise.all(this.backends.runners.map((runner) => runner.stop()));
    await this.backends.close();
    await this.store.close();
  }
}
