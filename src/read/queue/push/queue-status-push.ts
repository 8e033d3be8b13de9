import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { RecordedEvent } from '../../../event-store/event-store.port';
import type { QueueTokenClaims } from '../../../http/auth/token.service';
import { MetricsService } from '../../../http/metrics/metrics.service';
import { WriteLogFollower } from '../../../write/log-follower';
import { readNow } from '../../read-deadline';
import { READ_BACKENDS, ReadBackends } from '../../stores/read-backends';
import { GetQueueStatus } from '../get-queue-status.query';
import { admittedBy, concertMovedBy, waitlistOfferIn } from './queue-moves';
import { ReadSlots } from './read-slots';
import { digestOfEventId } from './sse-format';
import { StatusStream, StreamSink } from './status-stream';

export const HEARTBEAT_MS = 15_000;
/** How long a concert's move waits for the queue read store to apply it before its streams read anyway. */
const STORE_WAIT_MS = 5_000;
/** Past an entry's activeUntil, so the read store compares with a time after it. */
const EXPIRY_SLACK_MS = 20;
/** setTimeout fires at once beyond this (about 24.8 days); the heartbeat re-reads long before. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type OpeningStatus = { body: unknown; position: number; moveMark: number };

/**
 * This instance's open queue event streams, fed from the log: the write
 * side's follower reads every instance's writes, so an admission the leader
 * wrote anywhere reaches the streams here. When a concert's queue moved, its
 * streams wait for the queue read store to apply the move, then each reads
 * its status again with the status query (what GET /v1/queue/status answers,
 * one O(log n) rank per entry), at most once a second, and sends it if it
 * changed. The heartbeat also re-reads, which catches what no event marks
 * (the ETA aging, an admission expiring that was made before the stream opened).
 */
@Injectable()
export class QueueStatusPush implements BeforeApplicationShutdown {
  private readonly byConcert = new Map<string, Set<StatusStream>>();
  private readonly byEntry = new Map<string, Set<StatusStream>>();
  /** By `<concertId>/<userId>`: where a waiting-list offer to that user is announced. */
  private readonly byUser = new Map<string, Set<StatusStream>>();
  /** Per concert, the last position that moved it (and a count, so an opening read can tell it missed one). */
  private readonly moves = new Map<string, { position: number; count: number }>();
  private readonly storeWaits = new Map<string, number>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private readonly slots = new ReadSlots(256);
  private readonly heartbeat: NodeJS.Timeout;
  private stopped = false;

  constructor(
    follower: WriteLogFollower,
    @Inject(READ_BACKENDS) private readonly backends: ReadBackends,
    private readonly queries: QueryBus,
    private readonly metrics: MetricsService,
  ) {
    follower.onEvents((events) => this.notice(events));
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS).unref();
  }

  /** The status a stream opens with; it throws what the status query throws (401, 403, 503). */
  async opening(token: QueueTokenClaims): Promise<OpeningStatus> {
    const moveMark = this.moves.get(token.concertId)?.count ?? 0;
    return { ...(await this.read(token)), moveMark };
  }

  /** Starts pushing to `sink`; `lastEventId` from a reconnecting client skips a status it already has. */
  attach(token: QueueTokenClaims, sink: StreamSink, opening: OpeningStatus, lastEventId?: string): StatusStream {
    const { concertId, entryId, userId } = token;
    const stream = new StatusStream(
      concertId,
      entryId,
      userId,
      sink,
      () => this.slots.run(() => this.read(token)),
      digestOfEventId(lastEventId),
    );
    if (this.stopped) {
      stream.close();
      return stream;
    }
    stream.send(opening.body, opening.position);
    add(this.byConcert, concertId, stream);
    add(this.byEntry, entryId, stream);
    add(this.byUser, `${concertId}/${userId}`, stream);
    this.metrics.queueEventStreams.inc();
    if ((this.moves.get(concertId)?.count ?? 0) !== opening.moveMark) stream.poke();
    return stream;
  }

  /** The client went away. */
  detach(stream: StatusStream): void {
    stream.close(true);
    if (remove(this.byConcert, stream.concertId, stream)) this.metrics.queueEventStreams.dec();
    remove(this.byEntry, stream.entryId, stream);
    remove(this.byUser, `${stream.concertId}/${stream.userId}`, stream);
    if (!this.byEntry.has(stream.entryId)) {
      clearTimeout(this.expiries.get(stream.entryId));
      this.expiries.delete(stream.entryId);
    }
  }

  /** Ends every stream before the HTTP server closes (it would wait for them otherwise). */
  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const timer of this.expiries.values()) clearTimeout(timer);
    for (const streams of this.byConcert.values()) {
      for (const stream of streams) stream.close();
      this.metrics.queueEventStreams.dec(streams.size);
    }
    this.byConcert.clear();
    this.byEntry.clear();
    this.byUser.clear();
  }

  private async read(token: QueueTokenClaims): Promise<{ body: unknown; position: number }> {
    const position = this.backends.queue.tracker.position;
    const answer = await this.queries.execute(new GetQueueStatus(token, readNow()));
    return { body: answer.value, position };
  }

  private notice(events: readonly RecordedEvent[]): void {
    const moved = new Map<string, number>();
    for (const event of events) {
      this.announceOffer(event);
      const concertId = concertMovedBy(event);
      if (concertId === undefined) continue;
      const last = this.moves.get(concertId);
      this.moves.set(concertId, { position: event.position, count: (last?.count ?? 0) + 1 });
      if (this.byConcert.has(concertId)) moved.set(concertId, event.position);
      this.watchExpiry(event);
    }
    for (const [concertId, position] of moved) void this.whenApplied(concertId, position);
  }

  /** A seat offered from a waiting list is announced on every stream of that user for that concert, at once. */
  private announceOffer(event: RecordedEvent): void {
    const offer = waitlistOfferIn(event);
    if (!offer) return;
    const { concertId, userId, ...announced } = offer;
    for (const stream of this.byUser.get(`${concertId}/${userId}`) ?? []) {
      stream.announce('waitlist-offer', `${event.position}.offer`, announced);
    }
  }

  /** Pokes the concert's streams once the queue read store has applied `position` (or waited long enough). */
  private async whenApplied(concertId: string, position: number): Promise<void> {
    const waiting = this.storeWaits.get(concertId);
    this.storeWaits.set(concertId, Math.max(position, waiting ?? 0));
    if (waiting !== undefined) return;
    for (let target = position; ;) {
      await this.backends.queue.tracker.waitFor(target, STORE_WAIT_MS).catch(() => false);
      for (const stream of this.byConcert.get(concertId) ?? []) stream.poke();
      const latest = this.storeWaits.get(concertId)!;
      if (latest <= target) break;
      target = latest;
    }
    this.storeWaits.delete(concertId);
  }

  /** An admitted entry's status turns EXPIRED at its activeUntil with no event: its streams read again then. */
  private watchExpiry(event: RecordedEvent): void {
    const admitted = admittedBy(event);
    if (!admitted || Number.isNaN(admitted.until)) return;
    for (const entryId of admitted.entryIds) {
      if (!this.byEntry.has(entryId)) continue;
      clearTimeout(this.expiries.get(entryId));
      const timer = setTimeout(
        () => {
          this.expiries.delete(entryId);
          for (const stream of this.byEntry.get(entryId) ?? []) stream.poke();
        },
        Math.min(MAX_TIMER_MS, Math.max(0, admitted.until - Date.now() + EXPIRY_SLACK_MS)),
      ).unref();
      this.expiries.set(entryId, timer);
    }
  }

  private beat(): void {
    for (const streams of this.byConcert.values()) {
      for (const stream of streams) {
        stream.heartbeat();
        stream.poke();
      }
    }
  }
}

function add<T>(index: Map<string, Set<T>>, key: string, value: T): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function remove<T>(index: Map<string, Set<T>>, key: string, value: T): boolean {
  const set = index.get(key);
  if (!set?.delete(value)) return false;
  if (set.size === 0) index.delete(key);
  return true;
}
