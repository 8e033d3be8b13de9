import type { FastifyReply } from 'fastify';
import type { Answer } from './breakers/read-breaker';

/**
 * Puts a query's answer on the wire; one served from the last-good cache
 * while its store is down says so: `X-Data-Stale: true` and its `Age` in seconds.
 */
export function answer<T>(reply: FastifyReply, { value, staleMs }: Answer<T>): T {
  if (staleMs !== undefined) {
    reply.header('X-Data-Stale', 'true');
    reply.header('Age', String(Math.floor(staleMs / 1000)));
  }
  return value;
}
