import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AppConfig, CONFIG } from '../../../config';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { QueueAccess, QueueTokenClaims } from '../../../read/queue/queue-access';
import { READ_MODELS, ReadModels } from '../../../read/read-models';
import { CLOCK, Clock } from '../../../shared/clock';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { HOLD_SEATS_PROCESS } from '../../tokens';
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
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(HOLD_SEATS_PROCESS) private readonly holds: HoldSeatsProcess,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly access: QueueAccess,
  ) {}

  async execute({ reservationId, scheduleId, seatIds, token }: HoldSeatsCommand) {
    const schedule = await this.readModels.lookup(this.store, () => this.readModels.schedule(scheduleId));
    if (!schedule) throw new DomainError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found`);
    await this.access.requireActive(token, schedule.concertId);
    const missing = seatIds.filter((id) => !schedule.seats.has(id));
    if (missing.length > 0) {
      throw new DomainError('SEAT_NOT_FOUND', `no such seats in schedule ${scheduleId}: ${missing.join(', ')}`, {
        seatIds: missing,
      });
    }
    // Prices are immutable catalog facts, so the read model may supply them.
    const amount = seatIds.reduce((sum, id) => sum + schedule.seats.get(id)!.price, 0);
    const now = this.clock.now();
    const request: HoldRequest = {
      reservationId,
      userId: token.userId,
      concertId: schedule.concertId,
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
