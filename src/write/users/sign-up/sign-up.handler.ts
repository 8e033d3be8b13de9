import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../../event-store/state-cache/cached-event-store';
import { CLOCK, Clock } from '../../../shared/clock';
import { handleCommand } from '../../../shared/command-handler';
import { metadataAt } from '../../../shared/metadata';
import { hashPassword } from '../password';
import { userDecider, usernameStream } from '../user.decider';

export class SignUp extends Command<{ userId: string; position: number }> {
  constructor(
    readonly username: string,
    readonly password: string,
  ) {
    super();
  }
}

@CommandHandler(SignUp)
export class SignUpHandler implements ICommandHandler<SignUp> {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ username, password }: SignUp) {
    const userId = crypto.randomUUID();
    const passwordHash = await hashPassword(password);
    const { position } = await handleCommand(this.store, usernameStream(username), userDecider, {
      type: 'RegisterUser',
      data: { userId, username, passwordHash },
      metadata: metadataAt(this.clock.now()),
    });
    return { userId, position: position! };
  }
}
