import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../shared/domain-error';
import { checkBodyStrings, checkRequestStrings, INPUT_LIMITS, stringProblem } from './string-rules';

const failureOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};

const requestWith = (parts: Partial<Pick<FastifyRequest, 'url' | 'params' | 'query' | 'headers'>>) =>
  ({ url: '/x', params: {}, query: {}, headers: {}, ...parts }) as FastifyRequest;

describe('stringProblem', () => {
  it.each([
    ['a NUL', 'Wal\u0000let', 'contains a NUL character'],
    ['a lone high surrogate', 'a\ud800b', 'is not well-formed Unicode (it has a lone surrogate)'],
    ['a lone low surrogate', '\udc00', 'is not well-formed Unicode (it has a lone surrogate)'],
    ['surrogates in the wrong order', '\udc00\ud800', 'is not well-formed Unicode (it has a lone surrogate)'],
    ['one character too many', 'x'.repeat(11), 'is longer than 10 characters'],
  ])('refuses %s', (_name, value, problem) => {
    expect(stringProblem(value, 10)).toBe(problem);
  });

  it.each([[''], ['x'.repeat(10)], ['Café'], ['🎫🎫🎫'], ['a\tb\n']])('accepts %j', (value) => {
    expect(stringProblem(value, 10)).toBeUndefined();
  });
});

describe('checkBodyStrings', () => {
  it('walks every string at any depth, keys included, and says where', () => {
    const nested = { title: 'ok', schedules: [{ startsAt: 'ok', seats: [{ seatNo: 1 }, { note: 'a\u0000' }] }] };
    const error = failureOf(() => checkBodyStrings(nested));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.detail).toBe('schedules.0.seats.1.note: body field contains a NUL character');
    expect(error.extra.errors).toEqual([
      { path: 'schedules.0.seats.1.note', message: 'body field contains a NUL character' },
    ]);
    expect(failureOf(() => checkBodyStrings({ a: { 'k\ud800': 1 } })).detail).toBe(
      'a: an object key is not well-formed Unicode (it has a lone surrogate)',
    );
    expect(failureOf(() => checkBodyStrings(['ok', ['\ud800']])).detail).toMatch(/^1\.0: body field/);
    expect(failureOf(() => checkBodyStrings('\u0000')).detail).toBe('body contains a NUL character');
  });

  it('bounds every body string by INPUT_LIMITS.bodyString', () => {
    expect(() => checkBodyStrings({ a: 'x'.repeat(INPUT_LIMITS.bodyString) })).not.toThrow();
    expect(failureOf(() => checkBodyStrings({ a: ['x'.repeat(INPUT_LIMITS.bodyString + 1)] })).detail).toBe(
      `a.0: body field is longer than ${INPUT_LIMITS.bodyString} characters`,
    );
  });

  it('accepts ordinary bodies and non-string leaves', () => {
    expect(() =>
      checkBodyStrings({ amount: 1, ok: true, none: null, list: [1, 'Café 🎫', { k: 'v' }], empty: {} }),
    ).not.toThrow();
    expect(() => checkBodyStrings(undefined)).not.toThrow();
    expect(() => checkBodyStrings(42)).not.toThrow();
  });

  it('walks deep values without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(failureOf(() => checkBodyStrings(deep)).code).toBe('VALIDATION_FAILED');
  });
});

describe('checkRequestStrings', () => {
  it('refuses a bad path parameter and names it', () => {
    const error = failureOf(() => checkRequestStrings(requestWith({ params: { streamId: 'Wallet-\u0000x' } })));
    expect(error.detail).toBe('streamId: path parameter contains a NUL character');
    expect(
      failureOf(() => checkRequestStrings(requestWith({ params: { id: 'x'.repeat(INPUT_LIMITS.pathParam + 1) } })))
        .detail,
    ).toMatch(/is longer than 512/);
    expect(() =>
      checkRequestStrings(requestWith({ params: { id: 'x'.repeat(INPUT_LIMITS.pathParam) } })),
    ).not.toThrow();
  });

  it('refuses a bad query value, a bad query name, and repeated values alike', () => {
    const query = (q: Record<string, unknown>, url = '/x?q') => requestWith({ url, query: q });
    expect(failureOf(() => checkRequestStrings(query({ category: 'Wal\u0000let' }))).detail).toBe(
      'category: query parameter contains a NUL character',
    );
    expect(failureOf(() => checkRequestStrings(query({ type: ['ok', 'a\u0000b'] }))).detail).toMatch(/^type: /);
    expect(failureOf(() => checkRequestStrings(query({ 'a\u0000': '1' }))).detail).toMatch(/query parameter name/);
    expect(
      failureOf(() => checkRequestStrings(query({ type: 'x'.repeat(INPUT_LIMITS.queryValue + 1) }))).detail,
    ).toMatch(/is longer than 1024/);
  });

  it.each([['/x?type=%FF'], ['/x?type=%ED%A0%80'], ['/x?type=%E2%82'], ['/x?type=100%'], ['/x?%C3=1']])(
    'refuses a query string that does not decode: %s',
    (url) => {
      // The query parser leaves such escapes as raw text; the raw query is what gives them away.
      const error = failureOf(() => checkRequestStrings(requestWith({ url, query: { type: 'raw' } })));
      expect(error.detail).toBe('the query string is not well-formed percent-encoded UTF-8');
    },
  );

  it('accepts well-formed queries, encoded UTF-8 included', () => {
    const url = '/x?category=Wallet&type=Caf%C3%A9%20%F0%9F%8E%AB&plus=a+b';
    expect(() =>
      checkRequestStrings(requestWith({ url, query: { category: 'Wallet', type: 'Café 🎫', plus: 'a b' } })),
    ).not.toThrow();
  });

  it('refuses a header that is too long, holds NUL, or is not UTF-8 on the wire', () => {
    const headers = (h: Record<string, string | string[]>) => requestWith({ headers: h });
    expect(
      failureOf(() => checkRequestStrings(headers({ 'x-queue-token': 'x'.repeat(INPUT_LIMITS.headerValue + 1) })))
        .detail,
    ).toBe('x-queue-token: header is longer than 8192 characters');
    expect(failureOf(() => checkRequestStrings(headers({ 'idempotency-key': 'a\u0000b' }))).detail).toBe(
      'idempotency-key: header contains a NUL character',
    );
    // Node gives header bytes as latin1: "é" alone is the byte E9, not UTF-8.
    expect(failureOf(() => checkRequestStrings(headers({ 'idempotency-key': 'cl\u00e9' }))).detail).toBe(
      'idempotency-key: header is not well-formed UTF-8',
    );
    expect(failureOf(() => checkRequestStrings(headers({ 'set-cookie': ['a=1', 'b=\u00ff'] }))).code).toBe(
      'VALIDATION_FAILED',
    );
    // "é" sent as UTF-8 arrives as the two latin1 characters C3 A9, which is fine.
    expect(() => checkRequestStrings(headers({ 'user-agent': Buffer.from('clé').toString('latin1') }))).not.toThrow();
    expect(() => checkRequestStrings(headers({ authorization: 'Bearer abc.def.ghi' }))).not.toThrow();
  });
});
