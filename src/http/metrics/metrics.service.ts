import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One registry per application instead of prom-client's global one, so a test
 * (or a second app in one process) never trips over "metric already registered".
 * The other slices update the public metrics directly.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    // Holds must answer in tens of milliseconds; the tail up to 5 s shows queueing and stale reads.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** inc({ type }) per event written; type is the event type, e.g. SeatHeld. */
  readonly eventsAppended = new Counter({
    name: 'events_appended_total',
    help: 'Events appended to the event store',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  /** set({ projection }, head - position): how far a projection trails the store. */
  readonly projectionLag = new Gauge({
    name: 'projection_lag_events',
    help: 'Events a projection still has to apply',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  /** set({ projection }, position): the last global position a projection applied. */
  readonly projectionPosition = new Gauge({
    name: 'projection_position',
    help: 'Last global position a projection applied',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  /** observe({ projection }, seconds): how old the newest event of each applied batch was. */
  readonly projectionDelay = new Histogram({
    name: 'projection_delay_seconds',
    help: 'Time from an event being recorded to its read model being written, per applied batch',
    labelNames: ['projection'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** inc({ projection, feed }, n) with feed log (the broker) | event-store (catch-up, holes, a stalled relay). */
  readonly projectionFeed = new Counter({
    name: 'projection_feed_events_total',
    help: 'Events handed to a read-model store, by where they were read',
    labelNames: ['projection', 'feed'] as const,
    registers: [this.registry],
  });

  /** set({ projection }, messages): the broker's consumer lag of the projection's consumer group. */
  readonly consumerLag = new Gauge({
    name: 'kafka_consumer_lag_messages',
    help: "Messages in the event-log topic the projection's consumer group has not committed",
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  /** set({ breaker }, 0 closed | 1 half-open | 2 open). */
  readonly breakerState = new Gauge({
    name: 'read_breaker_state',
    help: 'Circuit breaker in front of a read-model store: 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker'] as const,
    registers: [this.registry],
  });

  /** inc() on open, dec() on close: the GET /v1/queue/events streams this instance holds open. */
  readonly queueEventStreams = new Gauge({
    name: 'queue_event_streams_open',
    help: 'Queue status event streams (GET /v1/queue/events) open on this instance',
    registers: [this.registry],
  });

  /** inc({ breaker, answer }) with answer fresh | stale | unavailable. */
  readonly readAnswers = new Counter({
    name: 'read_answers_total',
    help: 'Query answers by read-model store and kind (fresh, stale from cache, unavailable)',
    labelNames: ['breaker', 'answer'] as const,
    registers: [this.registry],
  });

  /** set({ measure }, n) with measure bytes | budget_bytes | streams: the write side's stream-state cache. */
  readonly stateCache = new Gauge({
    name: 'state_cache',
    help: 'Stream-state cache of the write side: bytes used, budget_bytes (STATE_CACHE_MB), streams kept',
    labelNames: ['measure'] as const,
    registers: [this.registry],
  });

  /** inc({ result }, n) with result hit | miss: decisions made on cached state against those that read. */
  readonly stateCacheLookups = new Counter({
    name: 'state_cache_lookups_total',
    help: 'Stream-state cache lookups by result (hit, miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
