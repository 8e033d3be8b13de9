import type { FastifyReply } from 'fastify';
import { minPositionOf } from './min-position.hook';

/**
 * A query as it arrived: when, and the position its client asked it to have
 * applied first (X-Min-Position). GuardedReads turns it into one deadline per
 * query, the arrival plus the breaker timeout of the store it reads, and
 * every wait on the way (X-Min-Position, a shared answer already in flight,
 * the store call, the catch-up after a miss) draws from that deadline rather
 * than adding to it. So whatever is down (Redis, MongoDB, the Kafka feed), a
 * read answers within its breaker's timeout: fresh, stale, or 503 with Retry-After.
 */
export type ReadRequest = { readonly arrivedAt: number; readonly minPosition?: number };

/** The ReadRequest of the HTTP request `reply` answers. */
export function readRequestOf(reply: FastifyReply): ReadRequest {
  const minPosition = minPositionOf(reply.request.headers);
  // Fastify starts the reply's clock as it routes the request, before any hook has run.
  const arrivedAt = Date.now() - reply.elapsedTime;
  return minPosition === undefined ? { arrivedAt } : { arrivedAt, minPosition };
}

/** A read with no HTTP request behind it: it starts now and asks for no position. */
export const readNow = (): ReadRequest => ({ arrivedAt: Date.now() });

const LATE = Symbol('late');

/** The moment one read must have its answer by. */
export class Deadline {
  constructor(readonly at: number) {}

  static after(from: number, ms: number): Deadline {
    return new Deadline(from + ms);
  }

  get remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /**
   * What `work` settles with, or what `late()` gives once the deadline has
   * passed first. Work that loses the race goes on unobserved (its failure
   * is swallowed), so whatever it still does must not need this read.
   */
  async race<T>(work: Promise<T>, late: () => T | Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // Even past the deadline, work that has already settled wins: a timer fires after every settled promise.
    const expired = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), this.remainingMs)));
    try {
      const first = await Promise.race([work, expired]);
      if (first !== LATE) return first;
      work.catch(() => undefined);
      return late();
    } finally {
      clearTimeout(timer);
    }
  }
}
