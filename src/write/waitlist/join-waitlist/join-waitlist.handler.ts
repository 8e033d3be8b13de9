import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { scheduleOf } from '../../catalog/concert-catalog';
import { QueueAccess, QueueTokenClaims } from '../../queue/queue-access';
import { anySeatFree } from '../free-seats';
import { WaitlistEntryState, waitlistEntryDecider, waitlistUserStream } from '../waitlist-entry.decider';
import { WaitlistOffersState, waitlistOffersDecider, waitlistOffersStream } from '../waitlist-offers.decider';

const SOLD_OUT_MEMO_MS = 1_000;

export type JoinWaitlistAnswer = { entryId: string; scheduleId: string; created: boolean; position: number };

export class JoinWaitlistCommand extends Command<JoinWaitlistAnswer> {
  constructor(
    readonly scheduleId: string,
    readonly token: QueueTokenClaims,
  ) {
    super();
  }
}

/**
 * Joins a sold-out schedule's waiting list. Whether the schedule is sold out
 * is asked of its seats' streams; a join already waiting answers as it did.
 */
@CommandHandler(JoinWaitlistCommand)
export class JoinWaitlistHandler implements ICommandHandler<JoinWaitlistCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly access: QueueAccess,
  ) {}

  /**
   * When a schedule was last seen with no seat free. A join let in on that for a
   * moment longer is harmless: a seat freed meanwhile was released, and the
   * waitlist process offers every released seat to the list. It spares a rush of
   * joins a scan of every seat each.
   */
  private readonly soldOutAt = new Map<string, number>();

  private recentlySoldOut(scheduleId: string, now: number): boolean {
    const at = this.soldOutAt.get(scheduleId);
    return at !== undefined && now - at < SOLD_OUT_MEMO_MS && now >= at;
  }

  async execute({ scheduleId, token }: JoinWaitlistCommand): Promise<JoinWaitlistAnswer> {
    await this.access.requireActive(token, token.concertId);
    const schedule = await scheduleOf(this.store, token.concertId, scheduleId);
    if (!schedule) throw new DomainError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found`);
    const now = this.clock.now();
    const userStream = waitlistUserStream(token.userId);
    const [entries, ledger] = await Promise.all([
      this.store.load<WaitlistEntryState>(userStream, waitlistEntryDecider),
      this.store.load<WaitlistOffersState>(waitlistOffersStream(scheduleId), waitlistOffersDecider),
    ]);
    const endedEntryIds = ledger.state.entries
      .filter((e) => e.userId === token.userId && (e.status === 'paid' || e.status === 'lapsed'))
      .map((e) => e.entryId);
    const current = entries.state.entries[scheduleId];
    const waiting = current && !endedEntryIds.includes(current.entryId);
    if (!waiting && !this.recentlySoldOut(scheduleId, now.getTime())) {
      if (await anySeatFree(this.store, [...schedule.prices.keys()], now.getTime())) {
        throw new DomainError('SEATS_AVAILABLE', `schedule ${scheduleId} has seats available: hold one instead`);
      }
      this.soldOutAt.set(scheduleId, now.getTime());
    }
    const entryId = crypto.randomUUID();
    const joined = await handleCommand(this.store, userStream, waitlistEntryDecider, {
      type: 'JoinWaitlist',
      data: {
        entryId,
        scheduleId,
        concertId: token.concertId,
        userId: token.userId,
        queueEntryId: token.entryId,
        endedEntryIds,
      },
      metadata: metadataAt(now, entryId),
    });
    const created = joined.events.length > 0;
    return {
      entryId: joined.state.entries[scheduleId].entryId,
      scheduleId,
      created,
      position: joined.position ?? (await this.store.headPosition()),
    };
  }
}
