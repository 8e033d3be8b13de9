import { Logger } from '@nestjs/common';
import { EventStore, WrongExpectedRevisionError } from '../../event-store/event-store.port';
import { Clock } from '../../shared/clock';
import { Lease } from '../../shared/lease';
import { metadataAt } from '../../shared/metadata';
import { QueueDoc } from '../../projections/queue.projection';
import { ReadModels } from '../../read/read-models';
import { fold } from '../../shared/decider';
import { AdmissionState, AdmittedEntry, admissionDecider, admissionStream } from './admission.decider';

export type AdmissionSettings = { capacity: number; activeTtlSeconds: number; tickMs: number };

type Ledger = { state: AdmissionState; revision: number | 'no_stream' };

/**
 * The single admission process: while it holds the lease it moves each
 * concert's "served up to" mark forward as slots free up. It keeps each
 * ledger's folded state between ticks and appends with the expected revision,
 * so a stale cache or a second leader costs a retry, never an extra admission.
 */
export class AdmissionProcess {
  private readonly ledgers = new Map<string, Ledger>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger = new Logger('AdmissionProcess');
  private again = false;
  private halted = false;

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModels,
    private readonly lease: Lease,
    private readonly clock: Clock,
    private readonly settings: AdmissionSettings,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.tickMs);
    // A join or a payment is a reason to look now rather than at the next tick.
    this.readModels.runner.onApplied((events) => {
      if (this.lease.isHeld && events.some((e) => e.type === 'QueueJoined' || e.type === 'QueueCompleted')) {
        void this.tick();
      }
    });
  }

  async stop(): Promise<void> {
    this.halt();
    await this.running;
    await this.lease.release();
  }

  /** Stops ticking without handing the lease over, as a crashed process would. */
  halt(): void {
    this.halted = true;
    clearInterval(this.timer);
  }

  get isLeader(): boolean {
    return this.lease.isHeld;
  }

  tick(): Promise<void> {
    if (this.halted) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.admitAll().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.tick();
      }
    });
    return this.running;
  }

  private async admitAll(): Promise<void> {
    const wasLeader = this.lease.isHeld;
    if (!(await this.lease.acquire())) {
      if (wasLeader) this.ledgers.clear();
      return;
    }
    for (const queue of this.readModels.queues()) {
      if (queue.order.length <= queue.admitted) continue;
      await this.admit(queue).catch((error: unknown) => {
        this.ledgers.delete(queue.concertId);
        if (!(error instanceof WrongExpectedRevisionError)) this.logger.error({ err: error }, 'admission failed');
      });
    }
  }

  private async admit(queue: QueueDoc): Promise<void> {
    const ledger = this.ledgers.get(queue.concertId) ?? (await this.load(queue.concertId));
    const { capacity, activeTtlSeconds } = this.settings;
    const candidates: AdmittedEntry[] = queue.order.slice(queue.admitted, queue.admitted + capacity).map((entryId) => {
      const entry = queue.entries.get(entryId)!;
      return { entryId, userId: entry.userId, joinedPosition: entry.joinedPosition };
    });
    const completedEntryIds = new Set(
      ledger.state.admitted.filter((a) => queue.entries.get(a.entryId)?.completed).map((a) => a.entryId),
    );
    const command = {
      type: 'AdmitNext' as const,
      data: { concertId: queue.concertId, candidates, completedEntryIds, capacity, activeTtlSeconds },
      metadata: metadataAt(this.clock.now()),
    };
    const events = admissionDecider.decide(command, ledger.state);
    if (events.length === 0) return;
    const stream = admissionStream(queue.concertId);
    const result = await this.store.append(
      stream,
      events.map((event) => ({
        id: crypto.randomUUID(),
        type: event.type,
        data: event.data,
        metadata: command.metadata,
      })),
      ledger.revision,
    );
    this.ledgers.set(queue.concertId, {
      state: events.reduce(admissionDecider.evolve, ledger.state),
      revision: result.nextRevision,
    });
  }

  private async load(concertId: string): Promise<Ledger> {
    const recorded = await this.store.readStream(admissionStream(concertId));
    const state = fold(admissionDecider, recorded);
    const ledger: Ledger = { state, revision: recorded.length ? recorded[recorded.length - 1].revision : 'no_stream' };
    this.ledgers.set(concertId, ledger);
    return ledger;
  }
}
