import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE_ADMIN, EventStoreAdmin } from '../event-store/event-store.port';
import { IdempotencyStore } from '../http/idempotency/idempotency.store';
import { MetricsService } from '../http/metrics/metrics.service';
import { READ_MODELS, ReadModels } from '../read/read-models';
import { READ_BACKENDS, ReadBackends } from '../read/stores/read-backends';
import { CACHED_EVENT_STORE, CachedEventStore } from '../event-store/state-cache/cached-event-store';
import { AdmissionProcess } from '../write/queue/admission.process';
import { ReservationSweeper } from '../write/reservations/reservation-sweeper';
import { ADMISSION_PROCESS, RESERVATION_SWEEPER } from './tokens';

/**
 * Start order matters: the read models replay the whole log before the
 * process managers look at them and before the HTTP port opens.
 */
@Injectable()
export class Lifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Lifecycle');
  private lagTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  head = 0;

  constructor(
    @Inject(EVENT_STORE_ADMIN) private readonly store: EventStoreAdmin,
    @Inject(CACHED_EVENT_STORE) private readonly states: CachedEventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(READ_BACKENDS) private readonly backends: ReadBackends,
    @Inject(ADMISSION_PROCESS) private readonly admission: AdmissionProcess,
    @Inject(RESERVATION_SWEEPER) private readonly sweeper: ReservationSweeper,
    private readonly metrics: MetricsService,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    this.store.onWritten((events) => {
      const byType = new Map<string, number>();
      for (const event of events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
      for (const [type, count] of byType) this.metrics.eventsAppended.inc({ type }, count);
    });
    this.readModels.runner.onApplied((events) => {
      this.states.observe(events);
      this.sweeper.observe(events);
      this.admission.notice(events);
    });
    await this.readModels.runner.start();
    this.logger.log(
      { position: this.readModels.position, ms: Date.now() - started },
      'read models rebuilt from the log',
    );
    await this.backends.prepare?.();
    await this.backends.relay?.start();
    // A store that is down at boot does not hold the service back: its runner keeps trying.
    await Promise.all(this.backends.runners.map((runner) => runner.start()));
    this.admission.start();
    this.sweeper.start();
    this.lagTimer = setInterval(() => void this.measureLag(), 1_000);
    // Replies older than the 24 h replay window are never served again.
    this.purgeTimer = setInterval(() => void this.idempotency.purgeExpired().catch(() => undefined), 3_600_000);
    await this.measureLag();
  }

  async measureLag(): Promise<void> {
    this.measureStateCache();
    try {
      this.head = await this.store.headPosition();
      for (const tracker of this.readModels.progress) {
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
    clearInterval(this.lagTimer);
    clearInterval(this.purgeTimer);
    await this.admission.stop();
    await this.sweeper.stop();
    await this.readModels.runner.stop();
    await Promise.all(this.backends.runners.map((runner) => runner.stop()));
    await this.backends.close();
    await this.store.close();
  }
}
