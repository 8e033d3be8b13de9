import { isUtf8 } from 'node:buffer';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../shared/domain-error';
import type { ValidationIssue } from '../validation';

/**
 * The stated maximum length of one string, by where it comes from, in
 * characters (UTF-16 code units, what `.length` counts). Each route's own
 * schema may ask for less (a username is at most 32); these bound what any
 * route, present or future, can be handed.
 */
export const INPUT_LIMITS = {
  /** One path parameter. Ids here are far shorter; the router refuses (404) past its own 1000. */
  pathParam: 512,
  /** One query parameter's name or value. */
  queryValue: 1024,
  /** One header value (Node refuses a whole header block over 16 KiB on its own). */
  headerValue: 8192,
  /** One string anywhere in a body, object keys included, at any depth. */
  bodyString: 16_384,
  /** Objects and arrays nested in a JSON body. */
  bodyDepth: 64,
} as const;

/**
 * Why a string may not reach a store, or undefined when it may: PostgreSQL
 * refuses NUL in text and jsonb, and a lone surrogate has no UTF-8 encoding.
 * Length is checked first, so a huge string costs no more than a comparison.
 */
export function stringProblem(value: string, maxLength: number): string | undefined {
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (!isWellFormed(value)) return 'is not well-formed Unicode (it has a lone surrogate)';
  return undefined;
}

/** Path parameters, query parameters and headers, checked before routing hands the request on. */
export function checkRequestStrings(request: FastifyRequest): void {
  const params = request.params as Record<string, unknown> | undefined;
  if (params) {
    for (const name of Object.keys(params)) {
      checkString(params[name], INPUT_LIMITS.pathParam, name, 'path parameter');
    }
  }
  checkQuery(request);
  const headers = request.headers;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (Array.isArray(value)) for (const item of value) checkHeader(item, name);
    else if (value !== undefined) checkHeader(value, name);
  }
}

/**
 * Every string in a parsed body, object keys included, at any depth. The
 * walk keeps its own stack: a body nested past the call stack's depth must
 * be a 400 here, not a RangeError (the JSON parser already caps nesting).
 */
export function checkBodyStrings(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body === 'string') return checkString(body, INPUT_LIMITS.bodyString, '', 'body');
  if (typeof body !== 'object') return;
  const pending: { value: object; path: string }[] = [{ value: body, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    const isArray = Array.isArray(value);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const where = path === '' ? key : `${path}.${key}`;
      if (!isArray) checkKey(key, path);
      const item = record[key];
      if (typeof item === 'string') checkString(item, INPUT_LIMITS.bodyString, where, 'body field');
      else if (item !== null && typeof item === 'object') pending.push({ value: item, path: where });
    }
  }
}

/** A refusal in the shape parseBody gives (`errors` lists where), without echoing the offending value. */
export function refusal(path: string, message: string): DomainError {
  const issue: ValidationIssue = { path, message };
  return new DomainError('VALIDATION_FAILED', path ? `${path}: ${message}` : message, { errors: [issue] });
}

function checkString(value: unknown, maxLength: number, path: string, kind: string): void {
  if (typeof value !== 'string') return;
  const problem = stringProblem(value, maxLength);
  if (problem !== undefined) throw refusal(path, `${kind} ${problem}`);
}

function checkKey(key: string, path: string): void {
  const problem = stringProblem(key, INPUT_LIMITS.bodyString);
  // The key itself is what is wrong, so the path stops at its object.
  if (problem !== undefined) throw refusal(path, `an object key ${problem}`);
}

function checkQuery(request: FastifyRequest): void {
  const start = request.url.indexOf('?');
  if (start === -1) return;
  // The query parser keeps a malformed escape (%FF, %ED%A0%80, a bare %) as its raw text instead of
  // failing, so the decoding is checked on the raw query first; it throws exactly where one component would.
  try {
    decodeURIComponent(request.url.slice(start + 1));
  } catch {
    throw refusal('', 'the query string is not well-formed percent-encoded UTF-8');
  }
  const query = request.query as Record<string, unknown> | undefined;
  if (!query || typeof query !== 'object') return;
  for (const name of Object.keys(query)) {
    const problem = stringProblem(name, INPUT_LIMITS.queryValue);
    if (problem !== undefined) throw refusal('', `a query parameter name ${problem}`);
    const value = query[name];
    if (Array.isArray(value))
      for (const item of value) checkString(item, INPUT_LIMITS.queryValue, name, 'query parameter');
    else checkString(value, INPUT_LIMITS.queryValue, name, 'query parameter');
  }
}

// Node hands header values over as latin1 (one character per byte), so a byte above 0x7F is a
// character above U+007F; only then is there anything to check, on the bytes as they came.
const NON_ASCII = /[\u0080-\uffff]/;

function checkHeader(value: string, name: string): void {
  if (value.length > INPUT_LIMITS.headerValue) {
    throw refusal(name, `header is longer than ${INPUT_LIMITS.headerValue} characters`);
  }
  if (value.includes('\u0000')) throw refusal(name, 'header contains a NUL character');
  if (NON_ASCII.test(value) && !isUtf8(Buffer.from(value, 'latin1'))) {
    throw refusal(name, 'header is not well-formed UTF-8');
  }
}

// Node 20 has String.prototype.isWellFormed; the ES2023 lib this project compiles against does not declare it.
const isWellFormed = (value: string): boolean => (value as unknown as { isWellFormed(): boolean }).isWellFormed();
