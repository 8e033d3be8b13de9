import { T0, at, decided, given, refused } from '../../shared/given-when-then';
import { RegisterUser, UserRegistered, userDecider, usernameStream } from './user.decider';

const registered = (userId: string, username: string): UserRegistered => ({
  type: 'UserRegistered',
  data: { userId, username, passwordHash: `hash-of-${userId}` },
});

const register = (userId: string, username: string): RegisterUser => ({
  type: 'RegisterUser',
  data: { userId, username, passwordHash: `hash-of-${userId}` },
  metadata: at(T0),
});

describe('user decider', () => {
  it('registers an unclaimed username', () => {
    expect(given(userDecider).when(register('u1', 'alice'))).toEqual(decided(registered('u1', 'alice')));
  });

  it('refuses a username that is already registered (USERNAME_TAKEN)', () => {
    expect(given(userDecider, [registered('u1', 'alice')]).when(register('u2', 'alice'))).toMatchObject(
      refused('USERNAME_TAKEN'),
    );
  });

  it('refuses even the same user registering again: the name is claimed once', () => {
    expect(given(userDecider, [registered('u1', 'alice')]).when(register('u1', 'alice'))).toMatchObject(
      refused('USERNAME_TAKEN'),
    );
  });

  it('evolves to the registered user id, username and password hash', () => {
    expect(userDecider.evolve(userDecider.initialState(), registered('u1', 'alice'))).toEqual({
      status: 'registered',
      userId: 'u1',
      username: 'alice',
      passwordHash: 'hash-of-u1',
    });
  });

  it('keys the username stream case-insensitively, so Alice and alice contend on one stream', () => {
    expect(usernameStream('Alice')).toBe('Username-alice');
    expect(usernameStream('alice')).toBe(usernameStream('ALICE'));
  });
});
