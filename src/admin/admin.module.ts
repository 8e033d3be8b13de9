import { Module } from '@nestjs/common';
import { EVENT_STORE } from '../event-store/event-store.port';
import { SqlEventStore } from '../event-store/sql-event-store';
import { EventTools } from './event-tools';
import { EventsAdminController } from './events-admin.controller';

/** Operator routes under /v1/admin (X-Admin-Key): the event log tools. */
@Module({
  controllers: [EventsAdminController],
  providers: [
    { provide: EventTools, useFactory: (store: SqlEventStore) => new EventTools(store), inject: [EVENT_STORE] },
  ],
})
export class AdminModule {}
