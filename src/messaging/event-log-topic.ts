import { RecordedEvent } from '../event-store/event-store.port';
import { EVENT_UPCASTERS } from '../event-store/upcasting/event-upcasters';

/**
 * The whole event log goes to ONE topic with ONE partition. Kafka orders
 * only within a partition, and the read models need the log's order across
 * streams (a queue place is the order of joining; an admission names entries
 * joined in other streams), so a single partition keeps the global order and
 * every consumer can keep using global positions as its checkpoint. Scaling
 * out is by projection (one consumer group each), not by partition; at the
 * measured append ceiling (a few thousand events/s) one partition is far from
 * its limit. The key is still the stream id, so a later move to several
 * partitions would keep each stream in order.
 */
export const EVENT_LOG_TOPIC = 'rush-tickets.events';

export type LogMessage = {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
};

/** The header naming the event log a message came from (see log-identity.ts). */
export const LOG_ID_HEADER = 'log-id';

export function toMessage(event: RecordedEvent, logId: string): LogMessage {
  const { correlationId, causationId } = event.metadata;
  return {
    key: event.streamId,
    value: JSON.stringify({ data: event.data, metadata: event.metadata }),
    headers: {
      [LOG_ID_HEADER]: logId,
      'event-id': event.id,
      'event-type': event.type,
      'stream-revision': String(event.revision),
      'global-position': String(event.position),
      'recorded-at': event.recordedAt.toISOString(),
      ...(typeof correlationId === 'string' ? { 'correlation-id': correlationId } : {}),
      ...(typeof causationId === 'string' ? { 'causation-id': causationId } : {}),
    },
  };
}

/**
 * The relay publishes events as the store reads them, so in the current
 * shape of the build that relayed them; a message relayed before an upgrade
 * is upcast here, so a Kafka-fed projection sees what a store-fed one does.
 */
export function fromMessage(message: LogMessage): RecordedEvent {
  const { data, metadata } = JSON.parse(message.value) as { data: unknown; metadata: RecordedEvent['metadata'] };
  const header = (name: string) => {
    const value = message.headers[name];
    if (value === undefined) throw new Error(`event log message without ${name}`);
    return value;
  };
  return EVENT_UPCASTERS.upcast({
    id: header('event-id'),
    streamId: message.key,
    revision: Number(header('stream-revision')),
    position: Number(header('global-position')),
    type: header('event-type'),
    data,
    metadata,
    recordedAt: new Date(header('recorded-at')),
  });
}
