import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { metadataAt } from '../../../shared/metadata';
import { RescheduleOnSale, concertDecider, concertStream } from '../concert.decider';

export type RescheduledOnSale = { concertId: string; onSaleAt: string; position: number };

export class RescheduleOnSaleCommand extends Command<RescheduledOnSale> {
  constructor(
    readonly concertId: string,
    readonly onSaleAt: string,
  ) {
    super();
  }
}

@CommandHandler(RescheduleOnSaleCommand)
export class RescheduleOnSaleHandler implements ICommandHandler<RescheduleOnSaleCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ concertId, onSaleAt }: RescheduleOnSaleCommand): Promise<RescheduledOnSale> {
    const command: RescheduleOnSale = {
      type: 'RescheduleOnSale',
      data: { concertId, onSaleAt },
      metadata: metadataAt(this.clock.now()),
    };
    const { state, position } = await handleCommand(this.store, concertStream(concertId), concertDecider, command);
    return {
      concertId,
      onSaleAt: state.created!.onSaleAt!,
      position: position ?? (await this.store.headPosition()),
    };
  }
}
