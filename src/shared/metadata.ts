import { randomUUID } from 'node:crypto';
import { CommandMetadata } from './decider';

export const metadataAt = (now: Date, correlationId: string = randomUUID(), causationId?: string): CommandMetadata => ({
  now,
  correlationId,
  causationId,
});
