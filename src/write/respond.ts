import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { v5 as uuidv5 } from 'uuid';

const ID_NAMESPACE = '0b5c7a52-5f76-4a1e-9c1c-7a3f8e0d2b61';

/**
 * Marks a command response with the position of its last event. The command
 * answers now, its events durable; a client that must read its own write
 * sends the position back as X-Min-Position.
 */
export function markPosition(reply: FastifyReply, position: number): void {
  reply.header('X-Event-Position', String(position));
}

/**
 * An id derived from the caller's Idempotency-Key, so that a retry after a
 * crash (before the response was stored) meets the same payment or charge
 * instead of making a second one.
 */
export function idFromKey(userId: string, purpose: string, key: string | undefined): string {
  if (!key) return crypto.randomUUID();
  return uuidv5(createHash('sha256').update(`${userId}\0${purpose}\0${key}`).digest('hex'), ID_NAMESPACE);
}
