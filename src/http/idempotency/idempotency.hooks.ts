import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../shared/domain-error';
import { bearerOf } from '../auth/auth.guard';
import { TokenService } from '../auth/token.service';
import { PROBLEM_CONTENT_TYPE, problemOf, sendProblem } from '../problem';
import { requestHash, requireValidKey } from './idempotency-key';
import { IdempotencyStore, StoredResponse } from './idempotency.store';

/** Response headers worth replaying; X-Event-Position lets a replayed client still read its own write. */
const REPLAYED_HEADERS = ['x-event-position', 'location'];

// Outcomes that say "not now" or "not you" rather than "this is the answer": a retry must run again.
const RETRYABLE_STATUSES = new Set([401, 403, 408, 429]);
const RETRYABLE_CODES = new Set(['CONCURRENCY_CONFLICT', 'PAYMENT_IN_PROGRESS', 'IDEMPOTENCY_KEY_IN_PROGRESS']);

type Claimed = { scope: string; key: string };
const claims = new WeakMap<FastifyRequest, Claimed>();

/**
 * A POST with an Idempotency-Key runs at most once per (caller, route, key);
 * repeats get the first status and body back without reaching the handler.
 * Fastify hooks rather than a Nest interceptor: requests without a key (the
 * hot path) then pay nothing at all. The caller is read from the bearer
 * token here; a request whose token is bad is left to the auth guard.
 */
export function registerIdempotency(fastify: FastifyInstance, store: IdempotencyStore, tokens: TokenService): void {
  const logger = new Logger('Idempotency');

  fastify.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.headers['idempotency-key'] === undefined) return;
    try {
      const key = requireValidKey(request)!;
      const bearer = bearerOf(request);
      let caller = 'anonymous';
      if (bearer !== undefined || request.headers.authorization !== undefined) {
        try {
          caller = tokens.verifyAccess(bearer ?? '').userId;
        } catch {
          return;
        }
      }
      const scope = `${caller}:${request.method} ${request.routeOptions.url ?? request.url}`;
      const outcome = await store.begin(scope, key, requestHash(request.url, request.body));
      if (outcome === 'mismatch') {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was already used with a different request',
        );
      }
      if (outcome === 'in-progress') {
        throw new DomainError(
          'IDEMPOTENCY_KEY_IN_PROGRESS',
          'a request with this Idempotency-Key is still running; retry shortly',
        );
      }
      if (outcome !== 'new') return replay(reply, outcome.replay);
      claims.set(request, { scope, key });
    } catch (error) {
      sendProblem(reply, problemOf(error));
      return reply;
    }
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    const claimed = claims.get(request);
    if (!claimed) return payload;
    claims.delete(request);
    const body = typeof payload === 'string' ? payload : null;
    const status = reply.statusCode;
    try {
      if (status >= 500 || RETRYABLE_STATUSES.has(status) || RETRYABLE_CODES.has(codeOf(body))) {
        await store.abandon(claimed.scope, claimed.key);
      } else {
        const headers = Object.fromEntries(
          REPLAYED_HEADERS.flatMap((h) => (reply.hasHeader(h) ? [[h, String(reply.getHeader(h))]] : [])),
        );
        await store.complete(claimed.scope, claimed.key, { status, body: body || null, headers });
      }
    } catch (error) {
      // The command already happened; failing its response now would only invite a retry.
      // Unsaved, the row looks abandoned after a while and a retry runs again (ids derived from the key keep it harmless).
      logger.error({ err: error, scope: claimed.scope }, 'could not record the idempotent response');
    }
    return payload;
  });
}

function codeOf(body: string | null): string {
  if (!body || !body.startsWith('{')) return '';
  try {
    return String((JSON.parse(body) as { code?: unknown }).code ?? '');
  } catch {
    return '';
  }
}

function replay(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  return reply
    .status(stored.status)
    .headers({ ...stored.headers, 'idempotent-replayed': 'true' })
    .type(stored.status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json; charset=utf-8')
    .send(stored.body ?? undefined);
}
