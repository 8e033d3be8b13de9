import type { FastifyInstance } from 'fastify';
import { MetricsService } from './metrics.service';

/** Label for requests no route matched, so random URLs cannot explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every response at the Fastify level, so 404s, body-parser errors and
 * guard refusals are counted too. Call before app.init()/listen().
 */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route pattern (/v1/reservations/:id), never the raw URL.
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
