import cors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import helmet, { HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../../config';
import { registerAuthThrottles } from './auth-throttle';

/** The OpenAPI UI and its assets (setupOpenApi): the only HTML this service serves. */
const DOCS_PREFIX = '/docs';

/**
 * An API answers JSON, so a browser that renders one anyway may load nothing
 * and be framed by nobody (the OWASP REST recommendation).
 */
const API_CSP = { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } };

/**
 * Swagger UI loads its scripts from /docs (no inline script), styles itself
 * inline and draws icons as data: URLs, and "Try it out" calls this origin.
 * Helmet's default would also upgrade every request to https, which breaks
 * the UI served over plain http from anywhere but localhost.
 */
const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/** What a browser may send and read cross-origin, when CORS_ORIGINS allows an origin at all. */
const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-queue-token', 'x-min-position'];
const CORS_EXPOSED_HEADERS = ['x-event-position', 'retry-after', 'x-data-stale', 'age', 'idempotent-replayed'];

/**
 * Security headers, CORS and the login/signup throttles, registered before
 * app.init() so that every route Nest adds then (and its error answers) gets them.
 */
export async function registerSecurity(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await registerHeaders(fastify);
  if (config.corsOrigins.length > 0) {
    await fastify.register(cors, {
      origin: [...config.corsOrigins],
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      // Bearer tokens, not cookies: a cross-origin request never needs credentials mode.
      credentials: false,
      maxAge: 600,
    });
  }
  await registerAuthThrottles(fastify, config);
}

/**
 * Helmet's headers on every answer (nosniff, no framing, no referrer, ...)
 * with a CSP for an API, relaxed for the docs UI only; and `Cache-Control:
 * no-store` on every answer, so no tokens, balances or problem documents are
 * kept by a browser or a proxy.
 *
 * They are set on the socket's response itself, before Fastify sees the
 * request: so even the answers Fastify gives before any hook runs (a URL its
 * router cannot parse, problem+json, 404s) carry them. Helmet computes them
 * once per configuration here: they never depend on the request, and
 * @fastify/helmet built a new helmet middleware (parsing every directive)
 * for each request, about 5 % of the CPU a hold costs. A route that may be
 * cached (the docs' static assets) sets its own Cache-Control, which wins.
 */
async function registerHeaders(fastify: FastifyInstance): Promise<void> {
  const api = headersOf({ contentSecurityPolicy: API_CSP, frameguard: { action: 'deny' } });
  const docs = headersOf({ contentSecurityPolicy: DOCS_CSP, frameguard: { action: 'deny' } });
  fastify.server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    for (const [name, value] of isDocs(request.url ?? '') ? docs : api) response.setHeader(name, value);
    response.setHeader('cache-control', 'no-store');
  });
}

/** The headers helmet sets with `options`, taken from one run of its middleware. */
function headersOf(options: HelmetOptions): readonly (readonly [string, string])[] {
  const headers = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return [...headers];
}

function isDocs(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path === DOCS_PREFIX || path.startsWith(`${DOCS_PREFIX}/`);
}
