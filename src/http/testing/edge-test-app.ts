import { Body, Controller, DynamicModule, Get, Global, HttpCode, Module, Param, Post, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppConfig, CONFIG, loadConfig } from '../../config';
import { openPgliteClient } from '../../event-store/pglite.client';
import { SCHEMA_SQL } from '../../event-store/schema.sql';
import { COORDINATION } from '../../event-store/coordination/coordination.port';
import { SqlCoordination } from '../../event-store/coordination/sql-coordination';
import type { SqlClient } from '../../event-store/sql-client';
import { EVENT_STORE, EventStore, RecordedEvent } from '../../event-store/event-store.port';
import { CLOCK, systemClock } from '../../shared/clock';
import { DomainError, ErrorCode } from '../../shared/domain-error';
import { AdminOnly } from '../auth/admin-only.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { QueueToken, QueueTokenClaims } from '../auth/queue-token';
import { HttpEdgeModule } from '../http-edge.module';
import { registerRequestLogging, requestIdOf } from '../logging';
import { TokenService } from '../auth/token.service';
import { registerIdempotency } from '../idempotency/idempotency.hooks';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { idempotencyKeyOf } from '../idempotency/idempotency-key';
import { registerHttpMetrics } from '../metrics/http-metrics';
import { MetricsService } from '../metrics/metrics.service';
import { setupOpenApi } from '../openapi';
import { BODY_LIMIT, registerFastifyErrorHandling } from '../problem.filter';
import { READINESS, Readiness, ReadinessProbe } from '../tokens';
import { parseParam, ZodBody } from '../validation';

export const ADMIN_KEY = 'test-admin-key-0123456789';

const newThing = z.strictObject({ name: z.string().min(1), qty: z.number().int().positive() });

/** Counts handler calls so tests can prove a replay never reached the handler. */
export class Calls {
  readonly counts = new Map<string, number>();
  hit(name: string): number {
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    return n;
  }
  of(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

@Controller('v1')
class ThingsController {
  constructor(private readonly calls: Calls) {}

  @Get('things/:id')
  get(@Param('id') id: string, @CurrentUser() userId: string) {
    return { id: parseParam(z.string().regex(/^t-\d+$/), id, 'id'), userId };
  }

  @Post('things')
  create(
    @ZodBody(newThing) body: z.infer<typeof newThing>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const n = this.calls.hit('create');
    reply.header('X-Event-Position', String(100 + n));
    return { thingId: `t-${n}`, name: body.name, qty: body.qty, key: idempotencyKeyOf(request) ?? null };
  }

  @Post('things/take')
  take(@Body() body: { seatIds: string[] }) {
    this.calls.hit('take');
    throw new DomainError('SEAT_UNAVAILABLE', 'some seats are taken', { seatIds: body.seatIds });
  }

  @Post('things/flaky')
  @HttpCode(200)
  flaky() {
    if (this.calls.hit('flaky') === 1) throw new Error('connection reset by the database');
    return { ok: true };
  }

  @Public()
  @Get('public/fail/:code')
  fail(@Param('code') code: string) {
    throw new DomainError(code as ErrorCode, `failed with ${code}`, {
      hint: 'extra member',
      status: 999,
      code: 'OVERRIDE',
    });
  }

  @Public()
  @Get('public/boom')
  boom() {
    throw new Error('password=hunter2 at db.internal:5432');
  }

  @Public()
  @Post('public/echo')
  @HttpCode(200)
  echo(@Body() body: unknown) {
    return { received: JSON.stringify(body).length };
  }

  @AdminOnly()
  @Post('admin/things')
  @HttpCode(200)
  adminCreate(@Body() body: unknown) {
    return { received: JSON.stringify(body).length };
  }

  @Get('queue-things')
  queued(@QueueToken() token: QueueTokenClaims) {
    return token;
  }
}

export type EdgeTestApp = {
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  readonly sql: SqlClient;
  readonly calls: Calls;
  readonly readiness: { current: Readiness | Error };
};

/** A real Nest + Fastify app with only the HTTP edge and a dummy controller, wired the way createApp wires it. */
export async function createEdgeTestApp(
  options: { sql?: SqlClient; openApi?: boolean; imports?: (config: AppConfig) => DynamicModule[] } = {},
): Promise<EdgeTestApp> {
  const config = loadConfig({ ADMIN_KEY, JWT_SECRET: 'a-test-secret-of-enough-length', LOG_LEVEL: 'info' });
  const sql = options.sql ?? (await openMigratedPglite());
  const calls = new Calls();
  const readiness: EdgeTestApp['readiness'] = {
    current: { ready: true, eventStore: 'up', readModels: 'up', breakers: {}, projections: {} },
  };
  const probe: ReadinessProbe = {
    check: async () => {
      if (readiness.current instanceof Error) throw readiness.current;
      return readiness.current;
    },
  };

  @Global()
  @Module({
    providers: [
      { provide: CONFIG, useValue: config },
      { provide: COORDINATION, useValue: new SqlCoordination(sql) },
      { provide: READINESS, useValue: probe },
      { provide: Calls, useValue: calls },
      { provide: EVENT_STORE, useValue: everyoneSignedUp },
      { provide: CLOCK, useValue: systemClock },
    ],
    exports: [CONFIG, COORDINATION, READINESS, Calls, EVENT_STORE, CLOCK],
  })
  class TestCoreModule {}

  @Module({
    imports: [TestCoreModule, HttpEdgeModule, ...(options.imports?.(config) ?? [])],
    controllers: [ThingsController],
  })
  class TestAppModule {}

  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, genReqId: requestIdOf });
  registerFastifyErrorHandling(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(TestAppModule, adapter, { logger: false });
  registerHttpMetrics(adapter.getInstance(), app.get(MetricsService));
  registerRequestLogging(adapter.getInstance());
  registerIdempotency(adapter.getInstance(), app.get(IdempotencyStore), app.get(TokenService));
  if (options.openApi) setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, config, sql, calls, readiness };
}

/**
 * The edge app has no write side: every user is signed up under their own id,
 * so a token for `{ userId: 'u-1', username: 'u-1' }` names a real user and
 * any other pairing a ghost. Only what the guard's KnownUsers reads is here.
 */
const everyoneSignedUp = {
  readStream: async (streamId: string): Promise<RecordedEvent[]> => {
    const name = streamId.slice('Username-'.length);
    const data = { userId: name, username: name, passwordHash: '' };
    return [
      {
        id: name,
        streamId,
        revision: 0,
        position: 1,
        type: 'UserRegistered',
        data,
        metadata: {},
        recordedAt: new Date(0),
      },
    ];
  },
} as Partial<EventStore> as EventStore;

export async function openMigratedPglite(): Promise<SqlClient> {
  const sql = await openPgliteClient(undefined);
  await sql.query(SCHEMA_SQL);
  return sql;
}
