import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DynamicModule } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config';

const REQUEST_ID_HEADER = 'x-request-id';
// A caller-chosen id lands in every log line, so only accept something short and printable.
const ACCEPTABLE_REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

/** Secrets never reach the logs, whatever the level. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-admin-key"]',
  'req.headers["x-queue-token"]',
  'req.headers.cookie',
];

/**
 * Successful requests are not logged at all: at thousands of holds a second
 * the access log would cost more than the work. 4xx is worth a line, 5xx an error.
 */
export function responseLogLevel(statusCode: number, error?: Error): 'error' | 'info' | 'silent' {
  if (error || statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'info';
  return 'silent';
}

/**
 * Keeps the caller's X-Request-Id for tracing across services, or makes one.
 * On Fastify, pino-http reuses Fastify's request.id, so this must also be the
 * adapter's id generator: `new FastifyAdapter({ genReqId: requestIdOf, ... })`.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTABLE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * JSON logs through pino; in main.ts create the app with bufferLogs and then
 * app.useLogger(app.get(Logger)). `destination` defaults to stdout (tests capture it).
 */
export function loggerModule(
  config: Pick<AppConfig, 'logLevel' | 'instanceId'>,
  destination?: DestinationStream,
): DynamicModule {
  const options = {
    level: config.logLevel,
    base: { instance: config.instanceId },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  // No pino-http middleware: building a redacted child logger per request
  // cost a fifth of the CPU under load. registerRequestLogging logs the
  // requests worth a line from a Fastify hook instead.
  return LoggerModule.forRoot({ pinoHttp: destination ? [options, destination] : options, forRoutes: [] });
}

/**
 * Logs refused (4xx, info) and failed (5xx, error) requests with the request
 * id; successful ones cost nothing. Call after the app is created.
 */
export function registerRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const level = responseLogLevel(reply.statusCode);
    if (level !== 'silent') {
      PinoLogger.root[level](
        // The raw objects, so pino-http's serializers (and the redaction) shape them as usual.
        { req: Object.assign(request.raw, { id: request.id }), res: reply.raw, responseTime: reply.elapsedTime },
        'request completed',
      );
    }
    done();
  });
}
