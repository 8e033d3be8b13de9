import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '../config';
import { registerHttpMetrics } from '../http/metrics/http-metrics';
import { MetricsService } from '../http/metrics/metrics.service';
import { registerRequestLogging, requestIdOf } from '../http/logging';
import { setupOpenApi } from '../http/openapi';
import { BODY_LIMIT, edgeFastifyOptions, registerFastifyErrorHandling } from '../http/problem.filter';
import { TokenService } from '../http/auth/token.service';
import { registerIdempotency } from '../http/idempotency/idempotency.hooks';
import { IdempotencyStore } from '../http/idempotency/idempotency.store';
import { registerInputRules } from '../http/input/input-rules';
import { registerSecurity } from '../http/security/security';
import { registerMinPosition } from '../read/min-position.hook';
import { AppModule } from './app.module';
import { CoreOptions } from './core.module';
import { Lifecycle } from './lifecycle';

export type AppOptions = CoreOptions & {
  /**
   * Return once the parts are wired, before the write side and the read
   * stores have started (`Lifecycle.started` says when): a production
   * instance answers /health at once and /ready when it can serve.
   */
  readonly returnBeforeStarted?: boolean;
};

/** Builds the whole service; `main.ts` and the end-to-end tests both use it. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    ...edgeFastifyOptions(),
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    genReqId: requestIdOf,
  });
  registerFastifyErrorHandling(adapter.getInstance());
  registerInputRules(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // registerInputRules installed the JSON parser; Nest's own would clash with it at init.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await registerSecurity(app, config);
  registerHttpMetrics(adapter.getInstance(), app.get(MetricsService));
  registerRequestLogging(adapter.getInstance());
  registerIdempotency(adapter.getInstance(), app.get(IdempotencyStore), app.get(TokenService));
  registerMinPosition(adapter.getInstance());
  setupOpenApi(app);
  await app.init();
  if (!options.returnBeforeStarted) await app.get(Lifecycle).started;
  return app;
}
