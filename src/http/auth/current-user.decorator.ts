import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../shared/domain-error';

export type RequestUser = { readonly userId: string; readonly username: string };

/** What AuthGuard leaves on the request once the bearer token checks out. */
export type AuthenticatedRequest = FastifyRequest & { user?: RequestUser };

export function userIdOf(request: FastifyRequest): string | undefined {
  return (request as AuthenticatedRequest).user?.userId;
}

/** The caller's user id; on a @Public() route with no token it refuses rather than yield undefined. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const userId = userIdOf(context.switchToHttp().getRequest<FastifyRequest>());
  if (!userId) throw new DomainError('UNAUTHENTICATED', 'this route needs a bearer token');
  return userId;
});
