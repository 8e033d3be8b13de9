import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { QueueTokenPipe } from './auth/queue-token';
import { TokenService } from './auth/token.service';
import { HealthController } from './health.controller';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { ProblemFilter } from './problem.filter';
import { KnownUsers } from '../write/users/known-users';

/**
 * Everything between the socket and the controllers: problem+json errors,
 * authentication, idempotent POSTs, metrics, health.
 *
 * Expects CONFIG (src/config.ts), READINESS (./tokens), COORDINATION
 * (src/event-store/coordination, for the idempotency replies), and EVENT_STORE
 * and CLOCK (for the guard's KnownUsers), to be resolvable globally, e.g. from
 * a @Global() CoreModule that AppModule imports.
 * It is @Global itself so any controller can inject TokenService and use
 * @QueueToken() (its pipe is built in the controller's module).
 * Then, between NestFactory.create and app.init(), call registerHttpMetrics and
 * setupOpenApi; registerFastifyErrorHandling before any route is registered.
 */
@Global()
@Module({
  controllers: [HealthController, MetricsController],
  providers: [
    TokenService,
    IdempotencyStore,
    MetricsService,
    QueueTokenPipe,
    KnownUsers,
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenService, IdempotencyStore, MetricsService, QueueTokenPipe, KnownUsers],
})
export class HttpEdgeModule {}
