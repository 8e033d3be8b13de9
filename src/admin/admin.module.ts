import { Module } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { SqlEventStore } from '../event-store/sql-event-store';
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
      useFactory: (store: EventStore, coordination: Coordination, readModels: ReadModels, backends: ReadBackends) =>
        new ProjectionTools(store, coordination, backends.stores ?? [], {
          documents: readModels.documents,
          runner: readModels.runner,
          runners: backends.runners,
        }),
      inject: [EVENT_STORE, COORDINATION, READ_MODELS, READ_BACKENDS],
    },
    { provide: EventTools, useFactory: (store: SqlEventStore) => new EventTools(store), inject: [EVENT_STORE] },
  ],
})
export class AdminModule {}
