import { createHash } from 'node:crypto';

/**
 * Server-sent events as this stream writes them. An event's id is the log
 * position its status reflects and a digest of its body, `<position>.<digest>`:
 * a client that reconnects with it as Last-Event-ID (any instance) is sent the
 * current status at once only when that differs from the one it last got.
 */
export const sseEvent = (id: string, body: unknown, name?: string): string =>
  // A named event is of its own kind (EventSource: addEventListener(name)), beside the unnamed status events.
  `${name === undefined ? '' : `event: ${name}\n`}id: ${id}\ndata: ${JSON.stringify(body)}\n\n`;

export const SSE_HEARTBEAT = ': heartbeat\n\n';

/** Sent first: how long a client's EventSource waits before it reconnects. */
export const sseRetry = (ms: number): string => `retry: ${ms}\n\n`;

export function bodyDigest(body: unknown): string {
  return createHash('sha1').update(JSON.stringify(body)).digest('base64url').slice(0, 12);
}

export const eventId = (position: number, digest: string): string => `${position}.${digest}`;

/** The digest of the body a Last-Event-ID was sent with; undefined for an id this service did not write. */
export function digestOfEventId(lastEventId: string | undefined): string | undefined {
  const match = /^\d+\.([A-Za-z0-9_-]{12})$/.exec(lastEventId ?? '');
  return match?.[1];
}
