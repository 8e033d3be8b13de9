import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { AppConfig, CONFIG } from '../config';
import { EVENT_STORE, EVENT_STORE_ADMIN, EventStore } from '../event-store/event-store.port';
import { coordinationOf, openEventStore } from '../event-store/open-event-store';
import { COORDINATION, Coordination } from '../event-store/coordination/coordination.port';
import { READINESS } from '../http/tokens';
import { ALL_PROJECTIONS } from '../projections/all-projections';
import { InMemoryDocumentStore } from '../projections/document-store';
import { ProjectionRunner } from '../projections/projection-runner';
import { READ_MODELS, ReadModels } from '../read/read-models';
import { CLOCK, Clock, systemClock } from '../shared/clock';
import { FAULTS, Faults } from '../shared/faults';
import { Lease } from '../shared/lease';
import { CHECKPOINTS, Checkpoints } from '../shared/checkpoints';
import { CACHED_EVENT_STORE, CachedEventStore } from '../event-store/state-cache/cached-event-store';
import { cachedEventStore } from '../write/stream-states';
import { PayReservationProcess } from '../write/payments/pay-reservation.process';
import { AdmissionProcess } from '../write/queue/admission.process';
import { QueuePlaces } from '../write/queue/queue-places';
import { WriteLogFollower } from '../write/log-follower';
import { HoldSeatsProcess } from '../write/reservations/hold-seats.process';
import { ReservationSweeper } from '../write/reservations/reservation-sweeper';
import { WaitlistProcess } from '../write/waitlist/waitlist.process';
import { RefundReservationProcess } from '../write/payments/refund-reservation.process';
import { HOLD_SEATS_PROCESS, PAY_RESERVATION_PROCESS, REFUND_RESERVATION_PROCESS } from '../write/tokens';
import { Lifecycle } from './lifecycle';
import { ADMISSION_PROCESS, RESERVATION_SWEEPER, WAITLIST_PROCESS } from './tokens';
import { ReadinessService } from './readiness.service';
import { readBackendsProvider } from './read-backends.provider';
import { READ_BACKENDS } from '../read/stores/read-backends';

export type CoreOptions = {
  readonly clock?: Clock;
  readonly faults?: Faults;
  /** How often the admission process and the sweeper look for work. */
  readonly tickMs?: number;
  /** How long a half-done flow waits before recovery takes it over. */
  readonly staleFlowMs?: number;
};

/** The event store, read models and process managers every slice shares. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, options: CoreOptions = {}): DynamicModule {
    const logger = new Logger('Projections');
    const tickMs = options.tickMs ?? 200;
    return {
      module: CoreModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: FAULTS, useValue: options.faults ?? new Faults() },
        {
          provide: EVENT_STORE,
          useFactory: () => openEventStore(config.eventStore),
        },
        {
          provide: CACHED_EVENT_STORE,
          useFactory: (store: EventStore) => cachedEventStore(store, config.stateCacheBytes),
          inject: [EVENT_STORE],
        },
        // The store that EVENT_STORE opened, seen from its admin side, and what is kept beside it.
        { provide: EVENT_STORE_ADMIN, useExisting: EVENT_STORE },
        { provide: COORDINATION, useFactory: (store: EventStore) => coordinationOf(store), inject: [EVENT_STORE] },
        {
          provide: CHECKPOINTS,
          useFactory: (coordination: Coordination) => coordination.checkpoints,
          inject: [COORDINATION],
        },
        {
          provide: WriteLogFollower,
          useFactory: (store: EventStore) => new WriteLogFollower(store),
          inject: [EVENT_STORE],
        },
        {
          // Production instances keep no copy of any read model: queries read Redis and MongoDB.
          provide: READ_MODELS,
          useFactory: (store: EventStore) => {
            if (config.readStores.kind === 'external') return null;
            const documents = new InMemoryDocumentStore();
            const runner = new ProjectionRunner(store, documents, ALL_PROJECTIONS, (projection, event, error) =>
              logger.error(
                { err: error, projection, position: event.position, type: event.type },
                'poison event skipped',
              ),
            );
            return new ReadModels(documents, runner);
          },
          inject: [EVENT_STORE],
        },
        {
          provide: HOLD_SEATS_PROCESS,
          useFactory: (store: CachedEventStore, faults: Faults) => new HoldSeatsProcess(store, faults),
          inject: [CACHED_EVENT_STORE, FAULTS],
        },
        {
          provide: PAY_RESERVATION_PROCESS,
          useFactory: (store: CachedEventStore, faults: Faults) => new PayReservationProcess(store, faults),
          inject: [CACHED_EVENT_STORE, FAULTS],
        },
        {
          provide: REFUND_RESERVATION_PROCESS,
          useFactory: (store: CachedEventStore, faults: Faults) => new RefundReservationProcess(store, faults),
          inject: [CACHED_EVENT_STORE, FAULTS],
        },
        {
          provide: ADMISSION_PROCESS,
          useFactory: (coordination: Coordination, store: CachedEventStore, checkpoints: Checkpoints, clock: Clock) =>
            new AdmissionProcess(
              store,
              checkpoints,
              new Lease(coordination.leases, 'queue-admission', config.instanceId, 3_000),
              clock,
              {
                capacity: config.queueActiveCapacity,
                activeTtlSeconds: config.queueActiveTtlSeconds,
                tickMs,
              },
            ),
          inject: [COORDINATION, CACHED_EVENT_STORE, CHECKPOINTS, CLOCK],
        },
        {
          provide: WAITLIST_PROCESS,
          useFactory: (
            coordination: Coordination,
            store: CachedEventStore,
            holds: HoldSeatsProcess,
            faults: Faults,
            checkpoints: Checkpoints,
            clock: Clock,
          ) =>
            new WaitlistProcess(
              store,
              holds,
              faults,
              checkpoints,
              new Lease(coordination.leases, 'waitlist-offers', config.instanceId, 3_000),
              clock,
              { offerSeconds: config.waitlistOfferSeconds, tickMs: Math.max(tickMs, 250) },
            ),
          inject: [COORDINATION, CACHED_EVENT_STORE, HOLD_SEATS_PROCESS, FAULTS, CHECKPOINTS, CLOCK],
        },
        {
          provide: RESERVATION_SWEEPER,
          useFactory: (
            store: CachedEventStore,
            holds: HoldSeatsProcess,
            payments: PayReservationProcess,
            refunds: RefundReservationProcess,
            clock: Clock,
            checkpoints: Checkpoints,
          ) =>
            new ReservationSweeper(store, holds, payments, refunds, clock, checkpoints, {
              tickMs: Math.max(tickMs, 250),
              staleMs: options.staleFlowMs ?? 2_000,
            }),
          inject: [
            CACHED_EVENT_STORE,
            HOLD_SEATS_PROCESS,
            PAY_RESERVATION_PROCESS,
            REFUND_RESERVATION_PROCESS,
            CLOCK,
            CHECKPOINTS,
          ],
        },
        {
          provide: QueuePlaces,
          useFactory: (store: CachedEventStore, checkpoints: Checkpoints) => new QueuePlaces(store, checkpoints),
          inject: [CACHED_EVENT_STORE, CHECKPOINTS],
        },
        readBackendsProvider,
        Lifecycle,
        ReadinessService,
        { provide: READINESS, useExisting: ReadinessService },
      ],
      exports: [
        CONFIG,
        CLOCK,
        FAULTS,
        EVENT_STORE,
        CACHED_EVENT_STORE,
        EVENT_STORE_ADMIN,
        COORDINATION,
        CHECKPOINTS,
        READ_MODELS,
        READ_BACKENDS,
        HOLD_SEATS_PROCESS,
        PAY_RESERVATION_PROCESS,
        REFUND_RESERVATION_PROCESS,
        ADMISSION_PROCESS,
        RESERVATION_SWEEPER,
        WAITLIST_PROCESS,
        QueuePlaces,
        WriteLogFollower,
        Lifecycle,
        READINESS,
      ],
    };
  }
}
