import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig, CONFIG } from '../../config';
import { DomainError } from '../../shared/domain-error';
import { ADMIN_ONLY } from './admin-only.decorator';
import { AuthenticatedRequest } from './current-user.decorator';
import { IS_PUBLIC } from './public.decorator';
import { TokenService } from './token.service';

/**
 * Global guard (APP_GUARD): closed by default, so a new route without a
 * decorator needs a bearer token rather than being accidentally open.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly adminKeyDigest: Buffer;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    @Inject(CONFIG) config: AppConfig,
  ) {
    this.adminKeyDigest = digest(config.adminKey);
  }

  canActivate(context: ExecutionContext): boolean {
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
    request.user = this.tokens.verifyAccess(token);
    return true;
  }

  private checkAdminKey(request: FastifyRequest): void {
    const header = request.headers['x-admin-key'];
    // Comparing digests gives equal-length buffers, so neither the key nor its length leaks through timing.
    if (typeof header !== 'string' || !timingSafeEqual(digest(header), this.adminKeyDigest)) {
      throw new DomainError('ADMIN_KEY_INVALID', 'X-Admin-Key is missing or wrong');
    }
  }
}

export function bearerOf(request: FastifyRequest): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
