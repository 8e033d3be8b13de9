import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { sendProblem, problemOf } from '../http/problem';
import { DomainError } from '../shared/domain-error';

/** X-Min-Position as a number; undefined without the header, VALIDATION_FAILED when it is not a position. */
export function minPositionOf(headers: IncomingHttpHeaders): number | undefined {
  const header = headers['x-min-position'];
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (!/^\d{1,15}$/.test(value)) {
    throw new DomainError('VALIDATION_FAILED', 'X-Min-Position must be a non-negative integer');
  }
  return Number(value);
}

/**
 * Read-your-writes for every query: a GET with `X-Min-Position: n` answers
 * only from read models that have applied position n. This hook refuses a
 * malformed header (400) before anything else runs; the wait itself is the
 * query's (GuardedReads), for the one store it reads and within its deadline:
 * at most two seconds (API.md) and never past that store's breaker timeout,
 * and not at all while the store's breaker is open or its feed is failing.
 * Then 503 READ_MODEL_STALE with Retry-After.
 */
export function registerMinPosition(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'GET') return;
    try {
      minPositionOf(request.headers);
    } catch (error) {
      sendProblem(reply, problemOf(error));
      return reply;
    }
  });
}
