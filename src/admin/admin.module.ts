import { Module } from '@nestjs/common';
import { EVENT_STORE, EVENT_STORE_ADMIN, EventStore, EventStoreAdmin } from '../event-store/event-store.port';
import { COORDINATION, Coordination } from '../event-store/coordination/coordination.port';
import { EventTools } from './event-tools';
import { EventsAdminController } from './events-admin.controller';
import { ProjectionJobs } from './projection-jobs';
import { ProjectionTools } from './projection-tools';
import { ProjectionsAdminController } from './projections-admin.controller';
import { READ_MODELS, ReadModels } from '../read/read-models';
import { READ_BACKENDS, ReadBackends } from '../read/stores/read-backends';

/** Operator routes under /v1/admin (X-Admin-Key): the event log and projection tools. */
@Module({
  controllers: [EventsAdminController, ProjectionsAdminController],
  providers: [
    ProjectionJobs,
    {
      provide: ProjectionTools,
      useFactory: (
        store: EventStore,
        coordination: Coordination,
        readModels: ReadModels | null,
        backends: ReadBackends,
      ) =>
        new ProjectionTools(store, coordination, backends.stores ?? [], {
          inMemory: readModels ?? undefined,
          runners: backends.runners,
        }),
      inject: [EVENT_STORE, COORDINATION, READ_MODELS, READ_BACKENDS],
    },
    {
      provide: EventTools,
      useFactory: (admin: EventStoreAdmin) => new EventTools(admin),
      inject: [EVENT_STORE_ADMIN],
    },
  ],
})
export class AdminModule {}
