import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../../config';
import { DomainError } from '../../shared/domain-error';
import { TokenService } from './token.service';

const config = loadConfig({ JWT_SECRET: 'a-test-secret-of-enough-length', ACCESS_TOKEN_TTL_SECONDS: '60' });
const tokens = new TokenService(config);
const alice = { userId: 'user-1', username: 'alice' };

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'NOT_A_DOMAIN_ERROR';
  }
};

describe('TokenService', () => {
  it('signs an access token that verifies back to its user and expires after the configured TTL', () => {
    const { accessToken, expiresIn } = tokens.signAccess(alice);
    expect(expiresIn).toBe(60);
    expect(tokens.verifyAccess(accessToken)).toEqual(alice);
    const claims = jwt.decode(accessToken) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(jwt.decode(accessToken, { complete: true })?.header.alg).toBe('HS256');
  });

  it('refuses expired, forged and garbage access tokens as UNAUTHENTICATED', () => {
    const expired = jwt.sign({ typ: 'access', exp: Math.floor(Date.now() / 1000) - 10 }, config.jwtSecret, {
      subject: 'user-1',
    });
    const forged = jwt.sign({ typ: 'access' }, 'some-other-secret-entirely', { subject: 'user-1' });
    const unsigned = jwt.sign({ typ: 'access', sub: 'user-1' }, '', { algorithm: 'none' });
    for (const token of [expired, forged, unsigned, 'not.a.jwt', '']) {
      expect(codeOf(() => tokens.verifyAccess(token))).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a validly signed access token without exp, without iat, issued in the future or naming no username', () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: object, options: jwt.SignOptions = {}) =>
      jwt.sign({ typ: 'access', ...claims }, config.jwtSecret, { subject: 'user-1', ...options });
    const cases = {
      noExp: sign({ username: 'alice' }),
      noIat: sign({ username: 'alice', exp: now + 60 }, { noTimestamp: true }),
      future: sign({ username: 'alice', iat: now + 3600, exp: now + 7200 }),
      noUsername: sign({}, { expiresIn: 60 }),
      emptyUsername: sign({ username: '' }, { expiresIn: 60 }),
      numberUsername: sign({ username: 42 }, { expiresIn: 60 }),
    };
    for (const [name, token] of Object.entries(cases)) {
      expect({ name, code: codeOf(() => tokens.verifyAccess(token)) }).toEqual({ name, code: 'UNAUTHENTICATED' });
    }
    // The same claims with exp and iat are fine: it is their absence that is refused.
    expect(tokens.verifyAccess(sign({ username: 'alice' }, { expiresIn: 60 }))).toEqual(alice);
  });

  it('takes HS256 under this secret, signed as jsonwebtoken signs it, and nothing that differs from it', () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { typ: 'access', username: 'alice', sub: 'user-1', iat: now, exp: now + 60 };
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const hmac = (input: string, algorithm = 'sha256') =>
      createHmac(algorithm, config.jwtSecret).update(input).digest('base64url');
    const signed = (header: unknown, payload: unknown = claims, algorithm = 'sha256') => {
      const input = `${encode(header)}.${encode(payload)}`;
      return `${input}.${hmac(input, algorithm)}`;
    };
    const good = jwt.sign(claims, config.jwtSecret, { algorithm: 'HS256' });
    const [header, payload, signature] = good.split('.');
    // A header of its own, still HS256 (another library's key order, a kid): fine.
    expect(tokens.verifyAccess(signed({ typ: 'JWT', alg: 'HS256' }))).toEqual(alice);
    expect(tokens.verifyAccess(signed({ alg: 'HS256', kid: 'k1' }))).toEqual(alice);
    const refused = {
      hs384: jwt.sign(claims, config.jwtSecret, { algorithm: 'HS384' }),
      hs512: jwt.sign(claims, config.jwtSecret, { algorithm: 'HS512' }),
      headerSaysNoneSignedAnyway: signed({ alg: 'none', typ: 'JWT' }),
      headerNotAnObject: signed('HS256'),
      payloadNotAnObject: signed({ alg: 'HS256' }, ['user-1']),
      payloadChanged: `${header}.${encode({ ...claims, sub: 'user-2' })}.${signature}`,
      signatureAsBase64WithPadding: `${header}.${payload}.${Buffer.from(signature, 'base64url').toString('base64')}`,
      signatureCutShort: `${header}.${payload}.${signature.slice(0, -1)}`,
      noSignature: `${header}.${payload}.`,
      fourSegments: `${good}.${signature}`,
      expNotANumber: signed({ alg: 'HS256' }, { ...claims, exp: String(now + 60) }),
      notBefore: signed({ alg: 'HS256' }, { ...claims, nbf: now - 1 }),
    };
    for (const [name, token] of Object.entries(refused)) {
      expect({ name, code: codeOf(() => tokens.verifyAccess(token)) }).toEqual({ name, code: 'UNAUTHENTICATED' });
    }
  });

  it('refuses a token it accepted before once the token has expired', () => {
    jest.useFakeTimers({ now: new Date('2027-01-01T00:00:00Z') });
    try {
      const { accessToken } = tokens.signAccess(alice);
      expect(tokens.verifyAccess(accessToken)).toEqual(alice);
      jest.setSystemTime(new Date('2027-01-01T00:00:59Z'));
      expect(tokens.verifyAccess(accessToken)).toEqual(alice);
      jest.setSystemTime(new Date('2027-01-01T00:01:00Z'));
      expect(codeOf(() => tokens.verifyAccess(accessToken))).toBe('UNAUTHENTICATED');
    } finally {
      jest.useRealTimers();
    }
  });

  it('round-trips queue claims, the same entry always giving the same token', () => {
    const claims = { userId: 'user-1', concertId: 'c-1', entryId: 'e-1' };
    const token = tokens.signQueue(claims);
    expect(tokens.verifyQueue(token)).toEqual(claims);
    expect(tokens.signQueue(claims)).toBe(token);
    expect((jwt.decode(token) as jwt.JwtPayload).exp).toBeUndefined();
  });

  it('never accepts one kind of token as the other', () => {
    const queue = tokens.signQueue({ userId: 'user-1', concertId: 'c-1', entryId: 'e-1' });
    const { accessToken } = tokens.signAccess(alice);
    expect(codeOf(() => tokens.verifyAccess(queue))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => tokens.verifyQueue(accessToken))).toBe('INVALID_QUEUE_TOKEN');
  });
});
