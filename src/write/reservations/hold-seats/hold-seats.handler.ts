import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig, CONFIG } from '../../../config';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { QueueAccess, QueueTokenClaims } from '../../queue/queue-access';
import { CLOCK, Clock } from '../../../shared/clock';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { HOLD_SEATS_PROCESS } from '../../tokens';
import { scheduleOf } from '../../catalog/concert-catalog';
import { HoldRequest, HoldSeatsProcess } from '../hold-seats.process';

export class HoldSeatsCommand extends Command<HoldRequest & { position: number }> {
  constructor(
    readonly reservationId: string,
    readonly scheduleId: string,
    readonly seatIds: readonly string[],
    readonly token: QueueTokenClaims,
  ) {
    super();
  }
}

@CommandHandler(HoldSeatsCommand)
export class HoldSeatsHandler implements ICommandHandler<HoldSeatsCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(HOLD_SEATS_PROCESS) private readonly holds: HoldSeatsProcess,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly access: QueueAccess,
  ) {}

  async execute({ reservationId, scheduleId, seatIds, token }: HoldSeatsCommand) {
    // The token names its concert, and a concert's catalog never changes once created: a cached fact.
    await this.access.requireActive(token, token.concertId);
    const schedule = await scheduleOf(this.store, token.concertId, scheduleId);
    if (!schedule) throw new DomainError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found`);
    const missing = seatIds.filter((id) => !schedule.prices.has(id));
    if (missing.length > 0) {
      throw new DomainError('SEAT_NOT_FOUND', `no such seats in schedule ${scheduleId}: ${missing.join(', ')}`, {
        seatIds: missing,
      });
    }
    const amount = seatIds.reduce((sum, id) => sum + schedule.prices.get(id)!, 0);
    const now = this.clock.now();
    const request: HoldRequest = {
      reservationId,
      userId: token.userId,
      concertId: token.concertId,
      scheduleId,
      queueEntryId: token.entryId,
      seatIds: [...seatIds],
      amount,
      expiresAt: new Date(now.getTime() + this.config.holdTtlSeconds * 1000).toISOString(),
    };
    const position = await this.holds.start(request, metadataAt(now, reservationId));
    return { ...request, position };
  }
}
