/**
 * A business outcome the client must know about. The code is the stable part
 * of the contract; one exception filter maps it to an HTTP status and
 * problem+json.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'ADMIN_KEY_INVALID'
  | 'USERNAME_TAKEN'
  | 'NOT_FOUND'
  | 'CONCERT_NOT_FOUND'
  | 'SCHEDULE_NOT_FOUND'
  | 'SEAT_NOT_FOUND'
  | 'RESERVATION_NOT_FOUND'
  | 'INVALID_QUEUE_TOKEN'
  | 'QUEUE_NOT_ACTIVE'
  | 'ON_SALE_STARTED'
  | 'SEAT_UNAVAILABLE'
  | 'SEATS_AVAILABLE'
  | 'RESERVATION_NOT_HELD'
  | 'HOLD_EXPIRED'
  | 'ALREADY_PAID'
  | 'PAYMENT_IN_PROGRESS'
  | 'SEAT_LIMIT_REACHED'
  | 'RESERVATION_NOT_PAID'
  | 'REFUND_WINDOW_CLOSED'
  | 'REFUND_IN_PROGRESS'
  | 'ALREADY_REFUNDED'
  | 'INSUFFICIENT_BALANCE'
  | 'BALANCE_LIMIT_EXCEEDED'
  | 'CONCURRENCY_CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_IN_PROGRESS'
  | 'STORE_NOT_EMPTY'
  | 'IMPORT_HEAD_MOVED'
  | 'REBUILD_RUNNING'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'TOO_MANY_REQUESTS'
  | 'READ_MODEL_STALE'
  | 'READ_MODEL_UNAVAILABLE'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    /** Extra members of the problem document, e.g. the seat ids that were taken. */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export const refuse = (code: ErrorCode, detail: string, extra?: Record<string, unknown>): never => {
  throw new DomainError(code, detail, extra);
};
