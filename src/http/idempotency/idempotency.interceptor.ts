import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, from, Observable, of, throwError } from 'rxjs';
import { DomainError } from '../../shared/domain-error';
import { userIdOf } from '../auth/current-user.decorator';
import { PROBLEM_CONTENT_TYPE, problemOf } from '../problem';
import { requestHash, requireValidKey } from './idempotency-key';
import { IdempotencyStore, StoredResponse } from './idempotency.store';

/** Response headers worth replaying; X-Event-Position lets a replayed client still read its own write. */
const REPLAYED_HEADERS = ['x-event-position', 'location'];

// Outcomes that say "not now" or "not you" rather than "this is the answer": a retry must run again.
const RETRYABLE_STATUSES = new Set([401, 403, 408, 429]);
const RETRYABLE_CODES = new Set(['CONCURRENCY_CONFLICT', 'PAYMENT_IN_PROGRESS', 'IDEMPOTENCY_KEY_IN_PROGRESS']);

/**
 * Global interceptor: a POST with an Idempotency-Key runs at most once per
 * (caller, route, key); repeats get the first status and body back without
 * reaching the handler. It runs after AuthGuard, so the caller is known.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly store: IdempotencyStore) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'POST') return next.handle();
    const key = requireValidKey(request);
    if (key === undefined) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const scope = `${userIdOf(request) ?? 'anonymous'}:${request.method} ${request.routeOptions.url ?? request.url}`;

    const outcome = await this.store.begin(scope, key, requestHash(request.url, request.body));
    if (outcome === 'mismatch') {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');
    }
    if (outcome === 'in-progress') {
      throw new DomainError(
        'IDEMPOTENCY_KEY_IN_PROGRESS',
        'a request with this Idempotency-Key is still running; retry shortly',
      );
    }
    if (outcome !== 'new') return of(replay(reply, outcome.replay));

    return next.handle().pipe(
      concatMap(async (body: unknown) => {
        const headers = Object.fromEntries(
          REPLAYED_HEADERS.flatMap((h) => (reply.hasHeader(h) ? [[h, String(reply.getHeader(h))]] : [])),
        );
        const text = body === undefined ? null : JSON.stringify(body);
        await this.remember(scope, key, { status: reply.statusCode, body: text, headers });
        return body;
      }),
      catchError((error: unknown) =>
        from(this.rememberFailure(scope, key, error)).pipe(concatMap(() => throwError(() => error))),
      ),
    );
  }

  private async rememberFailure(scope: string, key: string, error: unknown): Promise<void> {
    const problem = problemOf(error);
    const retryable =
      problem.status >= 500 || RETRYABLE_STATUSES.has(problem.status) || RETRYABLE_CODES.has(problem.body.code);
    if (!retryable) {
      // The filter will send exactly this document, so the replay matches it.
      return this.remember(scope, key, { status: problem.status, body: JSON.stringify(problem.body), headers: {} });
    }
    await this.store
      .abandon(scope, key)
      .catch((e: unknown) =>
        this.logger.error(`could not release key ${scope} ${key}`, e instanceof Error ? e.stack : e),
      );
  }

  private async remember(scope: string, key: string, response: StoredResponse): Promise<void> {
    // The command already happened; failing its response now would only invite a retry.
    // Unsaved, the row looks abandoned after a while and a retry runs again (ids derived from the key keep it harmless).
    await this.store
      .complete(scope, key, response)
      .catch((e: unknown) =>
        this.logger.error(`could not save response for ${scope} ${key}`, e instanceof Error ? e.stack : e),
      );
  }
}

function replay(reply: FastifyReply, stored: StoredResponse): string | undefined {
  reply
    .status(stored.status)
    .headers({ ...stored.headers, 'idempotent-replayed': 'true' })
    .type(stored.status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json; charset=utf-8');
  return stored.body ?? undefined;
}
