import { EventStore } from '../event-store/event-store.port';
import { InMemoryDocumentStore } from '../projections/document-store';
import { ProjectionRunner } from '../projections/projection-runner';
import { ConcertDoc, ScheduleDoc, scheduleIdOfSeat } from '../projections/catalog.projection';
import { QueueDoc, QueueEntryDoc } from '../projections/queue.projection';
import { ReservationDoc } from '../projections/reservations.projection';
import { WalletDoc } from '../projections/wallets.projection';
import { ProgressTracker } from './read-progress';

export const READ_MODELS = Symbol('READ_MODELS');

const OWN_WRITE_WAIT_MS = 500;
/** A shared store is waited for less: a slow one (FerretDB under a burst) would otherwise set every command's pace. */
const OWN_WRITE_SHARED_WAIT_MS = 100;
/** About a second of writes at the rate the holds benchmark drives. */
const OWN_WRITE_MAX_BEHIND = 2_000;

/** The most a query waits for `X-Min-Position` before answering 503 READ_MODEL_STALE (see GuardedReads). */
export const MIN_POSITION_WAIT_MS = 2_000;

/**
 * Typed access to the in-process read models (the process managers use them
 * in every profile), and how far every store queries read has got: these,
 * plus Redis and MongoDB in production. A query's own waits are GuardedReads'.
 */
export class ReadModels {
  private readonly trackers: ProgressTracker[];

  constructor(
    readonly documents: InMemoryDocumentStore,
    readonly runner: ProjectionRunner,
  ) {
    this.trackers = [runner];
  }

  /** Queries also read this store, so read-your-writes waits for it too. */
  follow(tracker: ProgressTracker): void {
    this.trackers.push(tracker);
  }

  get progress(): readonly ProgressTracker[] {
    return this.trackers;
  }

  /** The position every store queries read has applied. */
  get position(): number {
    return Math.min(...this.trackers.map((t) => t.position));
  }

  /**
   * What a command waits for before it answers, so its client reads its own
   * write on any instance without X-Min-Position: the in-process models
   * (at most half a second) and each shared store (at most a tenth of a
   * second). A shared store already far behind (a burst it cannot keep up
   * with) is not waited for at all. Clients that must see their write
   * whatever the load send X-Min-Position.
   */
  async settleOwnWrite(position: number): Promise<void> {
    await Promise.all(
      this.trackers.map((tracker) =>
        tracker === this.runner
          ? tracker.waitFor(position, OWN_WRITE_WAIT_MS)
          : position - tracker.position <= OWN_WRITE_MAX_BEHIND
            ? tracker.waitFor(position, OWN_WRITE_SHARED_WAIT_MS)
            : undefined,
      ),
    );
  }

  /**
   * Finds a document; on a miss, waits (bounded) until everything written
   * before this call is applied and looks once more. Only a miss pays, so a
   * client that just created something finds it without X-Min-Position.
   */
  async lookup<T>(store: EventStore, find: () => T | undefined): Promise<T | undefined> {
    const found = find();
    if (found !== undefined) return found;
    await this.runner.waitFor(await store.headPosition(), MIN_POSITION_WAIT_MS);
    return find();
  }

  concerts(): Iterable<ConcertDoc> {
    return this.documents.collection<ConcertDoc>('concerts').values();
  }

  concert(concertId: string): ConcertDoc | undefined {
    return this.documents.get('concerts', concertId);
  }

  schedule(scheduleId: string): ScheduleDoc | undefined {
    return this.documents.get('schedules', scheduleId);
  }

  scheduleOfSeat(seatId: string): ScheduleDoc | undefined {
    return this.schedule(scheduleIdOfSeat(seatId));
  }

  reservation(reservationId: string): ReservationDoc | undefined {
    return this.documents.get('reservations', reservationId);
  }

  wallet(userId: string): WalletDoc | undefined {
    return this.documents.get('wallets', userId);
  }

  queue(concertId: string): QueueDoc | undefined {
    return this.documents.get('queues', concertId);
  }

  queues(): Iterable<QueueDoc> {
    return this.documents.collection<QueueDoc>('queues').values();
  }

  queueEntry(concertId: string, entryId: string): QueueEntryDoc | undefined {
    return this.queue(concertId)?.entry(entryId);
  }
}
