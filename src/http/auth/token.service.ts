import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { AppConfig, CONFIG } from '../../config';
import { DomainError } from '../../shared/domain-error';

export type AccessToken = { readonly accessToken: string; readonly expiresIn: number };
/** Who an access token speaks for: the user id (`sub`) and the username it was issued to. */
export type AccessClaims = { readonly userId: string; readonly username: string };
export type QueueTokenClaims = { readonly userId: string; readonly concertId: string; readonly entryId: string };

const ALGORITHM = 'HS256';
const VERIFIED_TOKENS = 100_000;
/** Clocks of instances behind one balancer drift a little; a token issued further ahead than this is refused. */
const ISSUED_AT_LEEWAY_SECONDS = 60;

type Claims = jwt.JwtPayload & { sub: string };

/** The header jsonwebtoken writes for HS256: a token carrying exactly it needs no header parse. */
const HS256_HEADER = Buffer.from(JSON.stringify({ alg: ALGORITHM, typ: 'JWT' })).toString('base64url');

/** A base64url segment's JSON, when it is an object; undefined for anything else. */
function jsonObjectOf(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Access and queue tokens share one secret, so each carries `typ` and is only
 * accepted as its own kind: a queue token is no way to call the API.
 */
@Injectable()
export class TokenService {
  // A KeyObject made once: given a string, jsonwebtoken builds (and first
  // tries to parse as a public key) a new one on every call.
  private readonly key: KeyObject;
  // lru-cache, not a Map trimmed by deleting its first key: V8 leaves deleted entries in place until
  // it rehashes, so finding the first key walks them all, and once full every miss cost a walk over
  // up to the whole cache (about 60 µs at 100,000 tokens; the status poll's slowdown with the queue's size).
  private readonly verified = new LRUCache<string, Claims>({ max: VERIFIED_TOKENS });

  constructor(@Inject(CONFIG) private readonly config: AppConfig) {
    this.key = createSecretKey(Buffer.from(config.jwtSecret));
  }

  /**
   * The username rides along so that the guard can check, on the user's own
   * stream (`Username-{name}`), that the user exists and is the token's `sub`.
   */
  signAccess({ userId, username }: AccessClaims): AccessToken {
    const expiresIn = this.config.accessTokenTtlSeconds;
    const accessToken = jwt.sign({ typ: 'access', username }, this.key, {
      algorithm: ALGORITHM,
      subject: userId,
      expiresIn,
    });
    return { accessToken, expiresIn };
  }

  /**
   * An access token means what it says: it must expire (`exp`), say when it
   * was issued (`iat`, not in the future) and name its user. Whether that
   * user exists is the AuthGuard's question (KnownUsers), not this one's.
   */
  verifyAccess(token: string): AccessClaims {
    const claims = this.verify(token, 'access');
    const now = Math.floor(Date.now() / 1000);
    if (
      !claims ||
      typeof claims.exp !== 'number' ||
      typeof claims.iat !== 'number' ||
      claims.iat > now + ISSUED_AT_LEEWAY_SECONDS ||
      typeof claims.username !== 'string' ||
      claims.username === ''
    ) {
      throw new DomainError('UNAUTHENTICATED', 'access token is missing, invalid or expired');
    }
    return { userId: claims.sub, username: claims.username };
  }

  /**
   * No expiry and no issued-at: the queue read model decides whether the entry
   * is live, and the same entry always yields the same token, so a user who
   * joins again gets back exactly the token they hold.
   */
  signQueue({ userId, concertId, entryId }: QueueTokenClaims): string {
    return jwt.sign({ typ: 'queue', concertId, entryId }, this.key, {
      algorithm: ALGORITHM,
      subject: userId,
      noTimestamp: true,
    });
  }

  verifyQueue(token: string): QueueTokenClaims {
    const claims = this.verify(token, 'queue');
    if (!claims || typeof claims.concertId !== 'string' || typeof claims.entryId !== 'string') {
      throw new DomainError('INVALID_QUEUE_TOKEN', 'queue token is missing or invalid');
    }
    return { userId: claims.sub, concertId: claims.concertId, entryId: claims.entryId };
  }

  private verify(token: string, typ: 'access' | 'queue'): Claims | undefined {
    const claims = this.verified.get(token) ?? this.verifySignature(token);
    if (!claims || claims.typ !== typ || typeof claims.sub !== 'string' || claims.sub === '') return undefined;
    // jsonwebtoken's own test, made again on every use of a remembered token.
    if (claims.exp !== undefined && Math.floor(Date.now() / 1000) >= claims.exp) return undefined;
    return claims;
  }

  /**
   * Every request carries one or two tokens, and a poll repeats them many
   * times a second: a token whose signature checked out is remembered (a
   * bounded number of them), so repeats cost a map lookup instead of an HMAC
   * and two JSON parses. Only valid tokens are remembered; expiry is still
   * checked on each use.
   *
   * The check is jsonwebtoken's for HS256, made directly (a rush of a
   * million users overflows the cache, and jsonwebtoken's own path cost
   * twice the HMAC): three segments, a header naming HS256 and nothing else,
   * the signature equal to the HMAC of the first two segments as base64url
   * (one encoding only), a JSON object as payload, a numeric `exp` if any,
   * and no `nbf`.
   */
  private verifySignature(token: string): Claims | undefined {
    const headerEnd = token.indexOf('.');
    const payloadEnd = token.indexOf('.', headerEnd + 1);
    if (headerEnd <= 0 || payloadEnd <= headerEnd + 1 || token.indexOf('.', payloadEnd + 1) !== -1) return undefined;
    const header = token.slice(0, headerEnd);
    // Pinning the algorithm keeps `alg: none` and key-confusion tricks out.
    if (header !== HS256_HEADER && jsonObjectOf(header)?.alg !== ALGORITHM) return undefined;
    const signature = createHmac('sha256', this.key).update(token.slice(0, payloadEnd)).digest('base64url');
    if (!sameText(signature, token.slice(payloadEnd + 1))) return undefined;
    const claims = jsonObjectOf(token.slice(headerEnd + 1, payloadEnd));
    if (!claims || claims.nbf !== undefined || (claims.exp !== undefined && typeof claims.exp !== 'number')) {
      return undefined;
    }
    this.verified.set(token, claims as Claims);
    return claims as Claims;
  }
}
