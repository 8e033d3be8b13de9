import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AdminModule } from '../admin/admin.module';
import { AppConfig } from '../config';
import { HttpEdgeModule } from '../http/http-edge.module';
import { loggerModule } from '../http/logging';
import { CatalogQueriesController } from '../read/catalog/catalog-queries.controller';
import { GetConcertsHandler, GetSchedulesHandler, GetSeatsHandler } from '../read/catalog/catalog.queries';
import { GetQueueStatusHandler } from '../read/queue/get-queue-status.query';
import { GuardedReads } from '../read/guarded-reads';
import { QueueAccess } from '../write/queue/queue-access';
import { QueueStatusController } from '../read/queue/queue-status.controller';
import { QueueEventsController } from '../read/queue/push/queue-events.controller';
import { QueueStatusPush } from '../read/queue/push/queue-status-push';
import { GetReservationHandler, ReservationQueriesController } from '../read/reservations/reservation.queries';
import { GetWalletHandler, WalletQueriesController } from '../read/wallet/wallet.queries';
import { CatalogController } from '../write/catalog/catalog.controller';
import { CreateConcertHandler } from '../write/catalog/create-concert/create-concert.handler';
import { OnSaleController } from '../write/catalog/on-sale.controller';
import { RescheduleOnSaleHandler } from '../write/catalog/reschedule-on-sale/reschedule-on-sale.handler';
import { PayReservationHandler } from '../write/payments/pay/pay-reservation.handler';
import { PaymentsController } from '../write/payments/payments.controller';
import { RefundReservationHandler } from '../write/payments/refund/refund-reservation.handler';
import { RefundsController } from '../write/payments/refunds.controller';
import { AdmissionControlsController } from '../write/queue/admission-controls/admission-controls.controller';
import { ControlAdmissionHandler } from '../write/queue/admission-controls/control-admission.handler';
import { JoinQueueHandler } from '../write/queue/join-queue/join-queue.handler';
import { QueueController } from '../write/queue/queue.controller';
import { CancelReservationHandler } from '../write/reservations/cancel-reservation/cancel-reservation.handler';
import { HoldSeatsHandler } from '../write/reservations/hold-seats/hold-seats.handler';
import { ReservationsController } from '../write/reservations/reservations.controller';
import { LogInHandler } from '../write/users/log-in/log-in.handler';
import { SignUpHandler } from '../write/users/sign-up/sign-up.handler';
import { UsersController } from '../write/users/users.controller';
import { ChargeWalletHandler } from '../write/wallet/charge-wallet/charge-wallet.handler';
import { WalletController } from '../write/wallet/wallet.controller';
import { JoinWaitlistHandler } from '../write/waitlist/join-waitlist/join-waitlist.handler';
import { WaitlistController } from '../write/waitlist/waitlist.controller';
import { GetWaitlistHandler, WaitlistQueriesController } from '../read/waitlist/waitlist.queries';
import { CoreModule, CoreOptions } from './core.module';

const commandHandlers = [
  SignUpHandler,
  LogInHandler,
  CreateConcertHandler,
  RescheduleOnSaleHandler,
  JoinQueueHandler,
  ControlAdmissionHandler,
  HoldSeatsHandler,
  CancelReservationHandler,
  PayReservationHandler,
  RefundReservationHandler,
  ChargeWalletHandler,
  JoinWaitlistHandler,
];
const queryHandlers = [
  GetConcertsHandler,
  GetSchedulesHandler,
  GetSeatsHandler,
  GetQueueStatusHandler,
  GetReservationHandler,
  GetWalletHandler,
  GetWaitlistHandler,
];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: CoreOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        loggerModule(config),
        CqrsModule.forRoot(),
        CoreModule.forRoot(config, options),
        HttpEdgeModule,
        AdminModule,
      ],
      controllers: [
        UsersController,
        CatalogController,
        OnSaleController,
        CatalogQueriesController,
        QueueController,
        AdmissionControlsController,
        QueueStatusController,
        QueueEventsController,
        ReservationsController,
        ReservationQueriesController,
        PaymentsController,
        RefundsController,
        WalletController,
        WalletQueriesController,
        WaitlistController,
        WaitlistQueriesController,
      ],
      providers: [...commandHandlers, ...queryHandlers, QueueAccess, GuardedReads, QueueStatusPush],
    };
  }
}
