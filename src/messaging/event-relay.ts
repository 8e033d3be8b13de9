import { EventStore, RecordedEvent, Subscription } from '../event-store/event-store.port';
import type { Coordination } from '../event-store/coordination/coordination.port';
import { Lease } from '../shared/lease';
import { toMessage } from './event-log-topic';
import { MessageLog } from './message-log.port';

export type RelayOptions = {
  /** How often the lease is renewed or contested; a dead relay is replaced within its TTL plus this. */
  readonly electMs?: number;
  readonly onPublished?: (events: number, position: number) => void;
  readonly onError?: (error: unknown) => void;
};

/**
 * Publishes the event log to the broker, in order, at least once: a batch is
 * appended (acks=all, idempotent producer), and only then is the checkpoint
 * moved past it. A crash in between publishes that batch again; consumers
 * skip what they already applied by global position. One relay publishes at
 * a time, chosen by a lease; the checkpoint and the log's identity are the
 * coordination port's too.
 */
export class EventRelay {
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private electing = false;
  private published = 0;
  private logId: string | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly coordination: Pick<Coordination, 'checkpoints' | 'logIdentity'>,
    private readonly log: MessageLog,
    private readonly lease: Lease,
    private readonly name = 'event-log',
    private readonly options: RelayOptions = {},
  ) {}

  get isPublishing(): boolean {
    return this.subscription !== undefined;
  }

  /** The last global position the broker acknowledged (as far as this instance knows). */
  get position(): number {
    return this.published;
  }

  start(): Promise<void> {
    this.timer = setInterval(() => void this.elect(), this.options.electMs ?? 1_000);
    return this.elect();
  }

  private async elect(): Promise<void> {
    if (this.electing) return;
    this.electing = true;
    try {
      const held = await this.lease.acquire();
      if (held && !this.subscription) {
        this.logId ??= await this.coordination.logIdentity();
        const after = await this.checkpoint();
        this.published = after;
        this.subscription = this.store.subscribe(after, (events) => this.publish(events));
      } else if (!held && this.subscription) {
        const subscription = this.subscription;
        this.subscription = undefined;
        await subscription.close();
      }
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.electing = false;
    }
  }

  private async publish(events: readonly RecordedEvent[]): Promise<void> {
    // A relay that lost its lease stops here; its successor publishes from the stored checkpoint.
    if (!this.lease.isHeld || !this.logId) throw new Error('relay lease lost');
    const logId = this.logId;
    try {
      await this.log.append(events.map((event) => toMessage(event, logId)));
      const last = events[events.length - 1].position;
      await this.coordination.checkpoints.save(this.name, last);
      this.published = last;
      this.options.onPublished?.(events.length, last);
    } catch (error) {
      this.options.onError?.(error);
      throw error; // the subscription offers the same batch again
    }
  }

  checkpoint(): Promise<number> {
    return this.coordination.checkpoints.load(this.name);
  }

  /** Stops publishing; `release` false leaves the lease to expire, as a crashed instance would. */
  async stop(release = true): Promise<void> {
    clearInterval(this.timer);
    while (this.electing) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.subscription?.close();
    this.subscription = undefined;
    if (release) await this.lease.release();
  }
}
