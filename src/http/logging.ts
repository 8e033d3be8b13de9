import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config';

const REQUEST_ID_HEADER = 'x-request-id';
// A caller-chosen id lands in every log line, so only accept something short and printable.
const ACCEPTABLE_REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

/** Secrets never reach the logs, whatever the level. */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers["x-admin-key"]', 'req.headers["x-queue-token"]', 'req.headers.cookie'];

/**
 * Successful requests are not logged at all: at thousands of holds a second
 * the access log would cost more than the work. 4xx is worth a line, 5xx an error.
 */
export function responseLogLevel(statusCode: number, error?: Error): 'error' | 'info' | 'silent' {
  if (error || statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'info';
  return 'silent';
}

/** Keeps the caller's X-Request-Id for tracing across services, or makes one; echoed back on the response. */
export function requestIdOf(request: IncomingMessage, response?: ServerResponse): string {
  const given = request.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && ACCEPTABLE_REQUEST_ID.test(given) ? given : randomUUID();
  response?.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** JSON logs through pino; in main.ts create the app with bufferLogs and then app.useLogger(app.get(Logger)). */
export function loggerModule(config: Pick<AppConfig, 'logLevel' | 'instanceId'>): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.logLevel,
      base: { instance: config.instanceId },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: requestIdOf,
      autoLogging: true,
      customLogLevel: (_request, response, error) => responseLogLevel(response.statusCode, error),
    },
  });
}
