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

/** Combines answers: the result is as stale as its stalest part. */
export function staleness(...answers: readonly Answer<unknown>[]): number | undefined {
  const ages = answers.flatMap((a) => (a.staleMs === undefined ? [] : [a.staleMs]));
  return ages.length ? Math.max(...ages) : undefined;
}
