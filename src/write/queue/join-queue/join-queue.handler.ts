import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { queueEntryStatus } from '../../../projections/queue.projection';
import { READ_MODELS, ReadModels } from '../../../read/read-models';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { DomainError } from '../../../shared/domain-error';
import { metadataAt } from '../../../shared/metadata';
import { queueEntryDecider, queueEntryStream } from '../queue-entry.decider';

export class JoinQueueCommand extends Command<{ entryId: string; created: boolean; position: number }> {
  constructor(
    readonly concertId: string,
    readonly userId: string,
  ) {
    super();
  }
}

@CommandHandler(JoinQueueCommand)
export class JoinQueueHandler implements ICommandHandler<JoinQueueCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ concertId, userId }: JoinQueueCommand) {
    if (!(await this.readModels.lookup(this.store, () => this.readModels.concert(concertId))))
      throw new DomainError('CONCERT_NOT_FOUND', `concert ${concertId} not found`);
    const now = this.clock.now();
    const queue = this.readModels.queue(concertId);
    const expiredEntryIds = (queue?.entriesByUser.get(userId) ?? []).filter(
      (id) => queueEntryStatus(queue!.entries.get(id)!, now.getTime()) === 'EXPIRED',
    );
    const { events, state, position } = await handleCommand(
      this.store,
      queueEntryStream(concertId, userId),
      queueEntryDecider,
      {
        type: 'JoinQueue',
        data: { entryId: crypto.randomUUID(), concertId, userId, expiredEntryIds },
        metadata: metadataAt(now),
      },
    );
    return {
      entryId: state.current!.entryId,
      created: events.length > 0,
      position: position ?? this.readModels.position,
    };
  }
}
