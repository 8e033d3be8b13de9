import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig, CONFIG } from '../../config';
import { DomainError } from '../../shared/domain-error';
import { KnownUsers } from '../../write/users/known-users';
import { ADMIN_ONLY } from './admin-only.decorator';
import { AuthenticatedRequest } from './current-user.decorator';
import { IS_PUBLIC } from './public.decorator';
import { TokenService } from './token.service';

/**
 * Global guard (APP_GUARD): closed by default, so a new route without a
 * decorator needs a bearer token rather than being accidentally open.
 * A bearer token must verify and its user must exist (KnownUsers, answered
 * from the user's stream and then remembered), so a validly signed token for
 * a user who never signed up acts for nobody.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly adminKeyDigest: Buffer;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly users: KnownUsers,
    @Inject(CONFIG) config: AppConfig,
  ) {
    this.adminKeyDigest = digest(config.adminKey);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets)) {
      this.checkAdminKey(request);
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const token = bearerOf(request);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'send Authorization: Bearer <accessToken>');
    const user = this.tokens.verifyAccess(token);
    const exists = this.users.exists(user.userId, user.username);
    // A known user (the hot path) is answered without a promise.
    if (exists === true) {
      request.user = user;
      return true;
    }
    if (exists === false) throw unknownUser();
    return exists.then((known) => {
      if (!known) throw unknownUser();
      request.user = user;
      return true;
    });
  }

  private checkAdminKey(request: FastifyRequest): void {
    const header = request.headers['x-admin-key'];
    // Comparing digests gives equal-length buffers, so neither the key nor its length leaks through timing.
    if (typeof header !== 'string' || !timingSafeEqual(digest(header), this.adminKeyDigest)) {
      throw new DomainError('ADMIN_KEY_INVALID', 'X-Admin-Key is missing or wrong');
    }
  }
}

const unknownUser = () => new DomainError('UNAUTHENTICATED', 'the access token names no registered user');

export function bearerOf(request: FastifyRequest): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
