import { DomainError, ErrorCode } from './domain-error';

const ID = /^[A-Za-z0-9._-]{1,100}$/;

/** An id from a URL path: anything that could not be one of ours is simply not found. */
export function parseId(value: string, name: string, code: ErrorCode = 'NOT_FOUND'): string {
  if (!ID.test(value)) throw new DomainError(code, `${name} ${JSON.stringify(value.slice(0, 100))} not found`);
  return value;
}
