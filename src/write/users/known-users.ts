import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '../../event-store/event-store.port';
import { CLOCK, Clock } from '../../shared/clock';
import { fold } from '../../shared/decider';
import { DomainError } from '../../shared/domain-error';
import { userDecider, usernameStream } from './user.decider';

/** Users this process knows to exist; at about 150 bytes each, 250,000 of them cost under 40 MiB. */
const KNOWN_USERS = 250_000;
/** How long "no such user" is believed: long enough to shed a replayed ghost token, short enough not to matter. */
const UNKNOWN_FOR_MS = 1_000;
const UNKNOWN_USERS = 10_000;

/**
 * Whether an access token's user exists: the `Username-{name}` stream it
 * names must be registered to the token's user id. The answer comes from that
 * stream (never from a read model), and a yes is kept, since users are never
 * deleted: after the first request of a user the check is a map lookup,
 * answered synchronously. A no is kept for a second only, and concurrent
 * first looks at one user share one read.
 */
@Injectable()
export class KnownUsers {
  /** userId -> lower-case username, in least-recently-used order. */
  private readonly known = new Map<string, string>();
  private readonly unknownUntil = new Map<string, number>();
  private readonly looking = new Map<string, Promise<boolean>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** True (synchronously once known) when `username` is registered to `userId`. */
  exists(userId: string, username: string): boolean | Promise<boolean> {
    const name = username.toLowerCase();
    const knownAs = this.known.get(userId);
    if (knownAs === name) {
      // Refreshes the entry's place, so the users in play are the last to be dropped.
      this.known.delete(userId);
      this.known.set(userId, name);
      return true;
    }
    const key = `${userId}\n${name}`;
    const until = this.unknownUntil.get(key);
    if (until !== undefined) {
      if (this.clock.now().getTime() < until) return false;
      this.unknownUntil.delete(key);
    }
    let look = this.looking.get(key);
    if (!look) {
      look = this.look(userId, name, key).finally(() => this.looking.delete(key));
      this.looking.set(key, look);
    }
    return look;
  }

  private async look(userId: string, name: string, key: string): Promise<boolean> {
    let registered: boolean;
    try {
      const state = fold(userDecider, await this.store.readStream(usernameStream(name)));
      registered = state.status === 'registered' && state.userId === userId;
    } catch {
      // Not knowing is not a no: nothing is remembered, and the client may retry.
      throw new DomainError('SERVICE_UNAVAILABLE', 'the account cannot be checked right now; retry shortly');
    }
    if (registered) {
      if (this.known.size >= KNOWN_USERS) this.known.delete(this.known.keys().next().value!);
      this.known.set(userId, name);
    } else {
      if (this.unknownUntil.size >= UNKNOWN_USERS) this.unknownUntil.delete(this.unknownUntil.keys().next().value!);
      this.unknownUntil.set(key, this.clock.now().getTime() + UNKNOWN_FOR_MS);
    }
    return registered;
  }
}
