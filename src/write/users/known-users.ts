import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { EVENT_STORE, EventStore, RecordedEvent } from '../../event-store/event-store.port';
import { CLOCK, Clock } from '../../shared/clock';
import { fold } from '../../shared/decider';
import { DomainError } from '../../shared/domain-error';
import { UserRegistered, userDecider, usernameStream } from './user.decider';

const USERNAME = usernameStream('');

/**
 * Users this process knows to exist, as 64-bit fingerprints in a fixed table:
 * 2^21 slots of 8 bytes (16 MiB) hold about two million users, where a map
 * of 250,000 (userId, name) strings took 40 MiB, and a rush of a million
 * users polling at random no longer reads a stream per request.
 */
const KNOWN_SLOTS = 1 << 21;
const WAYS = 8;
/** How long "no such user" is believed: long enough to shed a replayed ghost token, short enough not to matter. */
const UNKNOWN_FOR_MS = 1_000;
const UNKNOWN_USERS = 10_000;

/**
 * A set of (userId, name) pairs that forgets rather than grows: a pair may
 * live in either of two buckets of WAYS slots chosen by its hash, goes into
 * the one with more room, and when both are full the first makes way by dropping
 * its oldest pair. With two choices a table half full keeps every pair. Two
 * pairs are taken for one only if 64 bits of two hashes agree (about once in
 * 2^59 look-ups with the table full), and only for a token this service signed.
 */
export class RegisteredPairs {
  private readonly high: Uint32Array;
  private readonly low: Uint32Array;
  /** Per bucket, the slot a new pair takes when the bucket is full. */
  private readonly next: Uint8Array;
  private readonly buckets: number;
  /** The last pair fingerprinted: its two halves and its two buckets. */
  private readonly print = new Uint32Array(4);

  constructor(slots = KNOWN_SLOTS) {
    this.buckets = Math.max(1, Math.floor(slots / WAYS));
    this.high = new Uint32Array(this.buckets * WAYS);
    this.low = new Uint32Array(this.buckets * WAYS);
    this.next = new Uint8Array(this.buckets);
  }

  has(userId: string, name: string): boolean {
    this.fingerprint(userId, name);
    return this.slotIn(this.print[2]) >= 0 || this.slotIn(this.print[3]) >= 0;
  }

  add(userId: string, name: string): void {
    if (this.has(userId, name)) return;
    const [h, l, first, second] = this.print;
    const [inFirst, inSecond] = [this.emptiesIn(first), this.emptiesIn(second)];
    const bucket = inSecond > inFirst ? second : first;
    const slot = Math.max(inFirst, inSecond) > 0 ? this.firstEmptyIn(bucket) : this.oldestOf(first);
    this.high[slot] = h;
    this.low[slot] = l;
  }

  private slotIn(bucket: number): number {
    const [h, l] = this.print;
    for (let slot = bucket * WAYS; slot < (bucket + 1) * WAYS; slot += 1) {
      if (this.high[slot] === h && this.low[slot] === l) return slot;
    }
    return -1;
  }

  private emptiesIn(bucket: number): number {
    let empties = 0;
    for (let slot = bucket * WAYS; slot < (bucket + 1) * WAYS; slot += 1) {
      if (this.high[slot] === 0 && this.low[slot] === 0) empties += 1;
    }
    return empties;
  }

  private firstEmptyIn(bucket: number): number {
    let slot = bucket * WAYS;
    while (this.high[slot] !== 0 || this.low[slot] !== 0) slot += 1;
    return slot;
  }

  private oldestOf(bucket: number): number {
    const slot = bucket * WAYS + this.next[bucket];
    this.next[bucket] = (this.next[bucket] + 1) % WAYS;
    return slot;
  }

  private fingerprint(userId: string, name: string): void {
    const key = `${userId}\n${name}`;
    let h = 0x811c9dc5;
    let l = 0x9747b28c;
    for (let i = 0; i < key.length; i += 1) {
      const c = key.charCodeAt(i);
      h = Math.imul(h ^ c, 0x01000193);
      l = Math.imul(l ^ c, 0x5bd1e995);
      l ^= l >>> 15;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = (h ^ (h >>> 13)) >>> 0;
    l = Math.imul(l ^ (l >>> 16), 0xc2b2ae35);
    l = (l ^ (l >>> 16)) >>> 0;
    // 0/0 marks an empty slot.
    if (h === 0 && l === 0) l = 1;
    this.print[0] = h;
    this.print[1] = l;
    this.print[2] = h % this.buckets;
    this.print[3] = (Math.imul(l, 0x9e3779b1) >>> 0) % this.buckets;
  }
}

@Injectable()
export class KnownUsers {
  private readonly known = new RegisteredPairs();
  /** lru-cache: trimming a Map by its first key walks every deleted entry V8 keeps until it rehashes. */
  private readonly unknownUntil = new LRUCache<string, number>({ max: UNKNOWN_USERS });
  private readonly looking = new Map<string, Promise<boolean>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Learns users from the log as it goes by (the replay at boot, then live
   * events), so that after a restart a user's first request needs no stream
   * read either. A Username stream's first event is its registration (the
   * decider refuses a second), so only revision 0 counts.
   */
  observe(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.type !== 'UserRegistered' || event.revision !== 0 || !event.streamId.startsWith(USERNAME)) continue;
      const { userId } = (event.data ?? {}) as Partial<UserRegistered['data']>;
      if (typeof userId === 'string') this.known.add(userId, event.streamId.slice(USERNAME.length));
    }
  }

  /** True (synchronously once known) when `username` is registered to `userId`. */
  exists(userId: string, username: string): boolean | Promise<boolean> {
    const name = username.toLowerCase();
    if (this.known.has(userId, name)) return true;
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
      this.known.add(userId, name);
    } else {
      this.unknownUntil.set(key, this.clock.now().getTime() + UNKNOWN_FOR_MS);
    }
    return registered;
  }
}
