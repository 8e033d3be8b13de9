import { isUtf8 } from 'node:buffer';
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import { INPUT_LIMITS, refusal } from './string-rules';

type Done = (error: Error | null, body?: unknown) => void;

/**
 * The application/json parser: Fastify's own (secure-json-parse, so the
 * `__proto__` / `constructor.prototype` refusal stays as configured) behind
 * two checks it does not make: the bytes are well-formed UTF-8 (decoding
 * would quietly turn a bad byte into U+FFFD), and no object repeats a key
 * (JSON.parse keeps the last one, so `{"amount":-5,"amount":1}` would pass
 * a schema that only ever saw 1) or nests deeper than INPUT_LIMITS.bodyDepth.
 * Body limits (64 KiB, 16 MiB on admin routes) are the route's, as before.
 */
export function jsonBodyParser(fastify: FastifyInstance): (request: FastifyRequest, body: Buffer, done: Done) => void {
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parse: FastifyBodyParser<string> = fastify.getDefaultJsonParser(
    onProtoPoisoning ?? 'error',
    onConstructorPoisoning ?? 'error',
  );
  return (request, body, done) => {
    if (body.length > 0 && !isUtf8(body)) return done(refusal('', 'request body is not well-formed UTF-8'));
    const text = body.toString('utf8');
    // Fastify's parser answers synchronously (and says FST_ERR_CTP_EMPTY_JSON_BODY for an empty body).
    void parse(request, text, (error, value) => {
      if (error) return done(error);
      const problem = structureProblem(text);
      if (problem !== undefined) return done(refusal('', problem));
      done(null, value);
    });
  };
}

/** The text/plain parser, as Fastify's own but refusing bytes that are not UTF-8 instead of replacing them. */
export function textBodyParser(_request: FastifyRequest, body: Buffer, done: Done): void {
  if (!isUtf8(body)) return done(refusal('', 'request body is not well-formed UTF-8'));
  done(null, body.toString('utf8'));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
// Small objects (every body this API takes) compare keys in a list; a large one switches to a Set.
const LIST_KEYS_UP_TO = 16;

/**
 * Why this JSON text (already known to parse) may not be taken: a key
 * repeated within one object, or nesting deeper than the limit. One pass:
 * strings are skipped with indexOf, everything else is structure, and keys
 * are compared decoded (`"a"` and `"\u0061"` are the same key).
 */
export function structureProblem(text: string, maxDepth: number = INPUT_LIMITS.bodyDepth): string | undefined {
  // One entry per open container: its keys so far, or null for an array.
  const open: (string[] | Set<string> | null)[] = [];
  let expectingKey = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (expectingKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const top = open.length - 1;
        const keys = open[top]!;
        if (Array.isArray(keys)) {
          if (keys.includes(key)) return repeated(key);
          keys.push(key);
          if (keys.length > LIST_KEYS_UP_TO) open[top] = new Set(keys);
        } else {
          if (keys.has(key)) return repeated(key);
          keys.add(key);
        }
        expectingKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (open.length === maxDepth) return `the JSON body nests deeper than ${maxDepth} levels`;
      open.push(c === OPEN_OBJECT ? [] : null);
      expectingKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      expectingKey = false;
    } else if (c === COMMA) {
      expectingKey = open.length > 0 && open[open.length - 1] !== null;
    } else if (c === COLON) {
      expectingKey = false;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string opened at `start` (one not escaped by an odd run of backslashes). */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

function repeated(key: string): string {
  // The key is named (JSON-quoted, so a control character shows as an escape), but a long one only by its start.
  const shown = key.length > 64 ? `${JSON.stringify(key.slice(0, 64))}…` : JSON.stringify(key);
  return `the JSON body repeats the key ${shown} in one object`;
}
