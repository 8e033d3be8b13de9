import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { metadataAt } from '../../../shared/metadata';
import { CreateConcert, concertDecider, concertStream } from '../concert.decider';

export type NewConcert = {
  title: string;
  schedules: { startsAt: string; seats: { seatNo: number; price: number }[] }[];
  maxSeatsPerUser?: number;
  refundCutoffHours?: number;
  admitPerMinute?: number;
  onSaleAt?: string;
};
export type CreatedConcert = { concertId: string; schedules: { scheduleId: string; seatIds: string[] }[] };

export class CreateConcertCommand extends Command<CreatedConcert & { position: number }> {
  constructor(
    readonly concert: NewConcert,
    readonly concertId: string,
  ) {
    super();
  }
}

@CommandHandler(CreateConcertCommand)
export class CreateConcertHandler implements ICommandHandler<CreateConcertCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ concert, concertId }: CreateConcertCommand) {
    const command: CreateConcert = {
      type: 'CreateConcert',
      data: {
        concertId,
        title: concert.title,
        schedules: concert.schedules.map((s) => ({ ...s, scheduleId: crypto.randomUUID() })),
        maxSeatsPerUser: concert.maxSeatsPerUser,
        refundCutoffHours: concert.refundCutoffHours,
        ...(concert.admitPerMinute !== undefined ? { admitPerMinute: concert.admitPerMinute } : {}),
        ...(concert.onSaleAt !== undefined ? { onSaleAt: concert.onSaleAt } : {}),
      },
      metadata: metadataAt(this.clock.now()),
    };
    // A retried request (same derived concert id) is answered from what was written.
    const { state, position } = await handleCommand(
      this.store,
      concertStream(concertId),
      concertDecider,
      command,
      () => `${concertId}:created`,
    );
    const created = state.created!;
    return {
      concertId,
      schedules: created.schedules.map((s) => ({
        scheduleId: s.scheduleId,
        seatIds: s.seats.map((seat) => seat.seatId),
      })),
      position: position ?? (await this.store.headPosition()),
    };
  }
}
