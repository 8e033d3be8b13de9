import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../shared/domain-error';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const VALID_KEY = /^[\x20-\x7E]{1,128}$/;

/**
 * The caller's Idempotency-Key, or undefined without one. Handlers derive
 * deterministic ids from (userId, key) so that even a retry the store could
 * not answer (crash before the response was saved) meets the same entity.
 */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers[IDEMPOTENCY_KEY_HEADER];
  return typeof key === 'string' && VALID_KEY.test(key) ? key : undefined;
}

/** Like idempotencyKeyOf, but a present-and-malformed key is the client's mistake to hear about. */
export function requireValidKey(request: FastifyRequest): string | undefined {
  const key = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (key === undefined) return undefined;
  if (typeof key === 'string' && VALID_KEY.test(key)) return key;
  throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1..128 printable ASCII characters', {
    errors: [{ path: 'Idempotency-Key', message: 'must be 1..128 printable ASCII characters' }],
  });
}

/** Same URL and same JSON (whatever the key order) means the same request. */
export function requestHash(url: string, body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ url, body: body ?? null }))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
