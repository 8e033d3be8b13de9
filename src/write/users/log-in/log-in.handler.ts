import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '../../../event-store/event-store.port';
import { TokenService } from '../../../http/auth/token.service';
import { DomainError } from '../../../shared/domain-error';
import { DUMMY_HASH, verifyPassword } from '../password';
import { fold } from '../../../shared/decider';
import { userDecider, usernameStream } from '../user.decider';

export class LogIn extends Command<{ accessToken: string; userId: string; expiresIn: number }> {
  constructor(
    readonly username: string,
    readonly password: string,
  ) {
    super();
  }
}

@CommandHandler(LogIn)
export class LogInHandler implements ICommandHandler<LogIn> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tokens: TokenService,
  ) {}

  async execute({ username, password }: LogIn) {
    const events = await this.store.readStream(usernameStream(username));
    const state = fold(userDecider, events);
    const hash = state.status === 'registered' ? state.passwordHash : DUMMY_HASH;
    const valid = await verifyPassword(password, hash);
    if (state.status !== 'registered' || !valid) {
      throw new DomainError('INVALID_CREDENTIALS', 'username or password is wrong');
    }
    const { accessToken, expiresIn } = this.tokens.signAccess({ userId: state.userId, username: state.username });
    return { accessToken, userId: state.userId, expiresIn };
  }
}
