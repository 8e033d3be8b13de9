import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { metadataAt } from '../../../shared/metadata';
import { walletDecider, walletStream } from '../wallet.decider';

export class ChargeWalletCommand extends Command<{ balance: number; position: number }> {
  constructor(
    readonly userId: string,
    readonly chargeId: string,
    readonly amount: number,
  ) {
    super();
  }
}

@CommandHandler(ChargeWalletCommand)
export class ChargeWalletHandler implements ICommandHandler<ChargeWalletCommand> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ userId, chargeId, amount }: ChargeWalletCommand) {
    const { state, position } = await handleCommand(this.store, walletStream(userId), walletDecider, {
      type: 'ChargeWallet',
      data: { userId, chargeId, amount },
      metadata: metadataAt(this.clock.now()),
    });
    return { balance: state.balance, position: position ?? (await this.store.headPosition()) };
  }
}
