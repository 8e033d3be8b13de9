import type { FastifyInstance } from 'fastify';
import { sendProblem, problemOf } from '../http/problem';
import { DomainError } from '../shared/domain-error';
import { ReadModels } from './read-models';

/**
 * Read-your-writes for every query: with `X-Min-Position: n` a GET runs only
 * once this instance's read models have applied position n, waiting at most
 * two seconds before answering 503 READ_MODEL_STALE. A Fastify hook, so a
 * query without the header pays nothing.
 */
export function registerMinPosition(fastify: FastifyInstance, readModels: ReadModels): void {
  fastify.addHook('preHandler', async (request, reply) => {
    const header = request.headers['x-min-position'];
    if (request.method !== 'GET' || header === undefined) return;
    try {
      const value = Array.isArray(header) ? header[0] : header;
      if (!/^\d{1,15}$/.test(value)) {
        throw new DomainError('VALIDATION_FAILED', 'X-Min-Position must be a non-negative integer');
      }
      await readModels.atLeast(Number(value));
    } catch (error) {
      sendProblem(reply, problemOf(error));
      return reply;
    }
  });
}
