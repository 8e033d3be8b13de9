import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, switchMap } from 'rxjs';
import { DomainError } from '../shared/domain-error';
import { READ_MODELS, ReadModels } from './read-models';

/**
 * Read-your-writes for every query: with `X-Min-Position: n` the query runs
 * only once this instance's read models have applied position n, waiting at
 * most two seconds before answering 503 READ_MODEL_STALE.
 */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModels) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['x-min-position'];
    if (request.method !== 'GET' || header === undefined) return next.handle();
    const value = Array.isArray(header) ? header[0] : header;
    if (!/^\d{1,15}$/.test(value)) {
      throw new DomainError('VALIDATION_FAILED', 'X-Min-Position must be a non-negative integer');
    }
    return from(this.readModels.atLeast(Number(value))).pipe(switchMap(() => next.handle()));
  }
}
