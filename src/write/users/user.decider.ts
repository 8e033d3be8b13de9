import { Command, Decider, Event, assertNever } from '../../shared/decider';
import { refuse } from '../../shared/domain-error';

/** One stream per username, so claiming a name is a single append that contends with nobody else. */
export const usernameStream = (username: string) => `Username-${username.toLowerCase()}`;

export type UserRegistered = Event<'UserRegistered', { userId: string; username: string; passwordHash: string }>;
export type UserEvent = UserRegistered;

export type RegisterUser = Command<'RegisterUser', { userId: string; username: string; passwordHash: string }>;
export type UserCommand = RegisterUser;

export type UserState =
  | { readonly status: 'unclaimed' }
  | {
      readonly status: 'registered';
      readonly userId: string;
      /** As it was signed up (the stream id is its lower-case form). */
      readonly username: string;
      readonly passwordHash: string;
    };

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: () => ({ status: 'unclaimed' }),
  evolve: (_state, event) => {
    switch (event.type) {
      case 'UserRegistered':
        return {
          status: 'registered',
          userId: event.data.userId,
          username: event.data.username,
          passwordHash: event.data.passwordHash,
        };
      default:
        return assertNever(event.type);
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'RegisterUser':
        if (state.status === 'registered')
          return refuse('USERNAME_TAKEN', `username ${command.data.username} is taken`);
        return [{ type: 'UserRegistered', data: command.data }];
      default:
        return assertNever(command.type);
    }
  },
};
