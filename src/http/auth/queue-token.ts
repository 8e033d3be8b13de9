import { createParamDecorator, ExecutionContext, Injectable, PipeTransform } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../shared/domain-error';
import { enhanceMethod } from '../method-enhancer';
import { userIdOf } from './current-user.decorator';
import { QueueTokenClaims, TokenService } from './token.service';

export type { QueueTokenClaims } from './token.service';

/** The OpenAPI security scheme name registered by setupOpenApi. */
export const QUEUE_TOKEN_SCHEME = 'queue-token';
/** Operation extension setupOpenApi turns into "bearer AND queue token". */
export const QUEUE_TOKEN_EXTENSION = 'x-queue-token';

/**
 * Reads and verifies `X-Queue-Token` for the authenticated caller. A token is
 * bound to one user: someone else's token is as invalid as a forged one.
 * Whether the entry is ACTIVE is the queue read model's call, not this one's.
 */
export function readQueueToken(request: FastifyRequest, tokens: TokenService): QueueTokenClaims {
  const header = request.headers['x-queue-token'];
  if (typeof header !== 'string' || header === '') {
    throw new DomainError('INVALID_QUEUE_TOKEN', 'send X-Queue-Token: <queueToken>');
  }
  const claims = tokens.verifyQueue(header);
  if (claims.userId !== userIdOf(request)) {
    throw new DomainError('INVALID_QUEUE_TOKEN', 'queue token belongs to another user');
  }
  return claims;
}

/** Param decorators cannot inject, so the verification runs in a DI-built pipe (TokenService must be global). */
@Injectable()
export class QueueTokenPipe implements PipeTransform<FastifyRequest, QueueTokenClaims> {
  constructor(private readonly tokens: TokenService) {}

  transform(request: FastifyRequest): QueueTokenClaims {
    return readQueueToken(request, this.tokens);
  }
}

const requestParam = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<FastifyRequest>(),
  [enhanceMethod(ApiExtension(QUEUE_TOKEN_EXTENSION, true))],
);

/** `@QueueToken() token: QueueTokenClaims` — the verified claims of the caller's own queue token. */
export const QueueToken = (): ParameterDecorator => requestParam(QueueTokenPipe);
