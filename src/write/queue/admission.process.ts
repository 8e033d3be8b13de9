import { randomInt } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { Checkpoints } from '../../shared/checkpoints';
import { Clock } from '../../shared/clock';
import { handleCommand } from '../../shared/command-handler';
import { LeaderLoop } from '../../shared/leader-loop';
import { Lease } from '../../shared/lease';
import { metadataAt } from '../../shared/metadata';
import { concertState } from '../catalog/concert-catalog';
import { ConcertState, concertDecider, concertStream } from '../catalog/concert.decider';
import { PRE_QUEUE_SEED_MODULUS } from '../../shared/pre-queue-order';
import { AdmissionState, AdmitNext, activeEntries, admissionDecider, admissionStream } from './admission.decider';
import { ADMISSION_CHECKPOINT } from './queue-places';
import { WAITING_LINE_EVENTS, WaitingLines } from './waiting-lines';

export type AdmissionSettings = { capacity: number; activeTtlSeconds: number; tickMs: number };

const PAGE = 5_000;
const CHECKPOINT_EVERY_MS = 1_000;

/**
 * The single admission process: while it holds the lease it moves each
 * concert's "served up to" mark forward as slots free up. It decides on the
 * admission ledger stream through the generic handler (so a stale cache or a
 * second leader costs a retry, never an extra admission), and learns who
 * waits from its own index, fed by a filtered read of the log from a
 * low-water mark: taking over never means reading the whole history.
 */
export class AdmissionProcess {
  private lines: WaitingLines | undefined;
  private readonly loop: LeaderLoop;
  private readonly logger = new Logger('AdmissionProcess');
  private checkpointedAt = 0;

  constructor(
    private readonly store: CachedEventStore,
    private readonly checkpoints: Checkpoints,
    lease: Lease,
    private readonly clock: Clock,
    private readonly settings: AdmissionSettings,
  ) {
    const forget = () => (this.lines = undefined);
    this.loop = new LeaderLoop(lease, settings.tickMs, () => this.admitAll(), forget, 'AdmissionProcess');
  }

  start(): void {
    this.loop.start();
  }

  /** A join or a payment seen in the log is a reason to look now rather than at the next tick. */
  notice(events: readonly RecordedEvent[]): void {
    if (this.loop.isLeader && events.some((e) => e.type === 'QueueJoined' || e.type === 'QueueCompleted')) {
      void this.tick();
    }
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Stops ticking without handing the lease over, as a crashed process would. */
  halt(): void {
    this.loop.halt();
  }

  get isLeader(): boolean {
    return this.loop.isLeader;
  }

  tick(): Promise<void> {
    return this.loop.tick();
  }

  private async admitAll(): Promise<void> {
    const lines = await this.follow();
    for (const concertId of lines.concertsWaiting()) await this.admit(lines, concertId);
    const now = this.clock.now().getTime();
    if (now - this.checkpointedAt >= CHECKPOINT_EVERY_MS) {
      await this.checkpoints.save(ADMISSION_CHECKPOINT, lines.lowWater(now));
      this.checkpointedAt = now;
    }
  }

  /** Brings the index up to the log's head, starting from the low-water mark on taking the lead. */
  private async follow(): Promise<WaitingLines> {
    if (!this.lines) {
      this.lines = new WaitingLines(await this.checkpoints.load(ADMISSION_CHECKPOINT));
      this.logger.log({ from: this.lines.cursor }, 'admission leader: following the queue from its low-water mark');
    }
    for (;;) {
      const events = await this.store.readAll(this.lines.cursor, PAGE, { types: WAITING_LINE_EVENTS });
      this.lines.apply(events);
      // The ledger and entry states this instance caches learn of other leaders' and payers' events too.
      this.store.observe(events);
      if (events.length < PAGE) return this.lines;
    }
  }

  private async admit(lines: WaitingLines, concertId: string): Promise<void> {
    const { capacity, activeTtlSeconds } = this.settings;
    const stream = admissionStream(concertId);
    const now = this.clock.now();
    const ledger =
      this.store.cached<AdmissionState>(stream) ?? (await this.store.load<AdmissionState>(stream, admissionDecider));
    lines.keepCompleted(concertId, new Set(activeEntries(ledger.state, now, new Set()).map((e) => e.entryId)));
    let concert = (await concertState(this.store, concertId)).created;
    if (concert?.onSaleAt && !ledger.state.opened && Date.parse(concert.onSaleAt) <= now.getTime()) {
      // About to open: on the stream itself, in case the opening was just moved on another instance.
      concert = (await this.store.load<ConcertState>(concertStream(concertId), concertDecider)).state.created;
    }
    const command: AdmitNext = {
      type: 'AdmitNext',
      data: {
        concertId,
        candidates: lines.candidates(concertId, capacity),
        completedEntryIds: lines.completed(concertId),
        capacity,
        activeTtlSeconds,
        ...(concert?.admitPerMinute !== undefined ? { admitPerMinute: concert.admitPerMinute } : {}),
        ...(concert?.onSaleAt !== undefined ? { onSaleAt: concert.onSaleAt } : {}),
        // Drawn only when this decision may open the sale: it is the one QueueOpened records.
        ...(concert?.onSaleAt !== undefined && !ledger.state.opened
          ? { seed: randomInt(1, PRE_QUEUE_SEED_MODULUS) }
          : {}),
      },
      metadata: metadataAt(now),
    };
    // Nothing to do on the state this leader wrote last: no read. The handler checks a decision that writes.
    if (admissionDecider.decide(command, ledger.state).length === 0) return;
    await handleCommand(this.store, stream, admissionDecider, command);
  }
}
