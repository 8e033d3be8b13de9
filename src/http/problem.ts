import { HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '../shared/domain-error';

/** RFC 9457 problem details plus our stable `code`; extra members ride alongside. */
export type Problem = {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly [member: string]: unknown;
};

/** What goes on the wire: the document, its status and any headers it needs. */
export type ProblemResponse = {
  readonly status: number;
  readonly body: Problem;
  readonly headers: Readonly<Record<string, string>>;
  /** True when the error was not one we raised on purpose: it must be logged, not explained. */
  readonly unexpected: boolean;
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Infrastructure trouble should clear quickly, so a client may retry after a second. */
export const RETRY_AFTER_SECONDS = 1;

// Exhaustive on purpose: a new ErrorCode does not compile until it has a status.
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  ADMIN_KEY_INVALID: 401,
  INVALID_QUEUE_TOKEN: 401,
  INSUFFICIENT_BALANCE: 402,
  QUEUE_NOT_ACTIVE: 403,
  NOT_FOUND: 404,
  CONCERT_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  SEAT_NOT_FOUND: 404,
  RESERVATION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  USERNAME_TAKEN: 409,
  SEAT_UNAVAILABLE: 409,
  SEATS_AVAILABLE: 409,
  ON_SALE_STARTED: 409,
  RESERVATION_NOT_HELD: 409,
  HOLD_EXPIRED: 409,
  ALREADY_PAID: 409,
  PAYMENT_IN_PROGRESS: 409,
  SEAT_LIMIT_REACHED: 409,
  RESERVATION_NOT_PAID: 409,
  REFUND_WINDOW_CLOSED: 409,
  REFUND_IN_PROGRESS: 409,
  ALREADY_REFUNDED: 409,
  BALANCE_LIMIT_EXCEEDED: 409,
  CONCURRENCY_CONFLICT: 409,
  IDEMPOTENCY_KEY_IN_PROGRESS: 409,
  STORE_NOT_EMPTY: 409,
  IMPORT_HEAD_MOVED: 409,
  REBUILD_RUNNING: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_MANY_REQUESTS: 429,
  READ_MODEL_STALE: 503,
  READ_MODEL_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

// Errors that only carry an HTTP status (Nest exceptions, Fastify's own) still need a stable code.
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  431: 'REQUEST_HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

// Fastify's messages for these are terse or name internals; say it in the contract's words.
const FASTIFY_DETAIL: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content type is not supported; send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body is empty but content-type is application/json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
};

const GENERIC_5XX_DETAIL = 'something went wrong on our side; the failure has been logged';

/** Turns anything thrown into the one problem+json shape; never exposes a stack or internal message. */
export function problemOf(error: unknown): ProblemResponse {
  if (error instanceof DomainError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    return respond(status, error.code, error.detail, error.extra, status === 500);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return fromStatus(status, status < 500 ? messageOf(error.getResponse()) : undefined);
  }
  const status = clientStatusOf(error);
  if (status !== undefined) {
    // A SyntaxError with a 4xx status comes from a body parser meeting bad JSON.
    if (error instanceof SyntaxError) return fromStatus(400, FASTIFY_DETAIL.FST_ERR_CTP_INVALID_JSON_BODY);
    const { code, message } = error as { code?: unknown; message?: unknown };
    const known = typeof code === 'string' ? FASTIFY_DETAIL[code] : undefined;
    return fromStatus(status, known ?? (typeof message === 'string' ? message : undefined));
  }
  return respond(500, 'INTERNAL_ERROR', GENERIC_5XX_DETAIL, {}, true);
}

/** Writes a problem onto a Fastify reply; shared by the exception filter and the idempotency replay. */
export function sendProblem(reply: FastifyReply, problem: ProblemResponse): void {
  reply.status(problem.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).send(problem.body);
}

export function titleOf(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fromStatus(status: number, detail: string | undefined): ProblemResponse {
  if (status >= 500)
    return respond(status, CODE_BY_STATUS[status] ?? 'INTERNAL_ERROR', GENERIC_5XX_DETAIL, {}, status === 500);
  const code = CODE_BY_STATUS[status] ?? 'BAD_REQUEST';
  return respond(status, code, detail ?? titleOf(code).toLowerCase(), {}, false);
}

function respond(
  status: number,
  code: string,
  detail: string,
  extra: Readonly<Record<string, unknown>>,
  unexpected: boolean,
): ProblemResponse {
  const core = { type: typeOf(code), title: titleOf(code), status, detail, code };
  // Extra members follow the core ones and can never overwrite them.
  const body: Problem = { ...core, ...Object.fromEntries(Object.entries(extra).filter(([k]) => !(k in core))) };
  // A breaker (or a throttle) that knows when it will let through again says so; other trouble suggests a second.
  const retryAfter = typeof extra.retryAfterSeconds === 'number' ? extra.retryAfterSeconds : RETRY_AFTER_SECONDS;
  const headers: Record<string, string> = status === 503 || status === 429 ? { 'retry-after': String(retryAfter) } : {};
  return { status, body, headers, unexpected };
}

/** A URN, not a URL: it names the problem without promising a page that nobody wrote. */
function typeOf(code: string): string {
  return `urn:problem-type:rush-tickets:${code.toLowerCase().replace(/_/g, '-')}`;
}

/** Fastify (and body parsers) mark client errors with statusCode; only 4xx is trusted to be safe to echo. */
function clientStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const status =
    (error as { statusCode?: unknown; status?: unknown }).statusCode ?? (error as { status?: unknown }).status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500 ? status : undefined;
}

function messageOf(response: string | object): string | undefined {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join('; ');
  return undefined;
}
