import type { EventStore, RecordedEvent } from '../../event-store/event-store.port';
import { DomainError } from '../../shared/domain-error';
import { KnownUsers, RegisteredPairs } from './known-users';
import { usernameStream } from './user.decider';

/** Just what KnownUsers reads: Username streams, with every read counted. */
class UsernameStreams {
  readonly reads: string[] = [];
  failing = false;
  private readonly streams = new Map<string, RecordedEvent[]>();

  register(userId: string, username: string): void {
    const streamId = usernameStream(username);
    const data = { userId, username, passwordHash: 'hash' };
    this.streams.set(streamId, [
      { id: userId, streamId, revision: 0, position: 1, type: 'UserRegistered', data, metadata: {}, recordedAt: T0 },
    ]);
  }

  asStore(): EventStore {
    return {
      readStream: async (streamId: string) => {
        this.reads.push(streamId);
        if (this.failing) throw new Error('connection refused');
        return this.streams.get(streamId) ?? [];
      },
    } as Partial<EventStore> as EventStore;
  }
}

const T0 = new Date('2027-01-01T00:00:00Z');

describe('KnownUsers', () => {
  let streams: UsernameStreams;
  let now: Date;
  let users: KnownUsers;
  beforeEach(() => {
    streams = new UsernameStreams();
    now = T0;
    users = new KnownUsers(streams.asStore(), { now: () => now });
  });

  it('accepts a user whose Username stream is registered to that user id', async () => {
    streams.register('u-1', 'Alice');
    await expect(users.exists('u-1', 'Alice')).resolves.toBe(true);
    expect(streams.reads).toEqual(['Username-alice']);
  });

  it('refuses a user id nobody signed up, and a username that was never registered', async () => {
    streams.register('u-1', 'alice');
    expect(await users.exists('ghost', 'alice')).toBe(false);
    expect(await users.exists('u-1', 'bob')).toBe(false);
  });

  it('reads the stream once per user: afterwards the answer is synchronous, with no read at all', async () => {
    streams.register('u-1', 'alice');
    const first = await Promise.all(Array.from({ length: 20 }, () => users.exists('u-1', 'alice')));
    expect(first.every(Boolean)).toBe(true);
    for (let i = 0; i < 100; i++) expect(users.exists('u-1', 'alice')).toBe(true);
    expect(users.exists('u-1', 'ALICE')).toBe(true); // usernames compare as their streams do
    expect(streams.reads).toEqual(['Username-alice']);
  });

  it('believes a no for a moment only, so a user who signs up just after is accepted', async () => {
    expect(await users.exists('u-2', 'carol')).toBe(false);
    expect(users.exists('u-2', 'carol')).toBe(false); // within the moment: no read
    expect(streams.reads).toHaveLength(1);
    streams.register('u-2', 'carol');
    now = new Date(T0.getTime() + 1_000);
    expect(await users.exists('u-2', 'carol')).toBe(true);
    expect(streams.reads).toHaveLength(2);
  });

  it('learns users from the log going by, so their first request needs no read', () => {
    const registered = (userId: string, username: string, revision = 0): RecordedEvent => ({
      id: `${userId}-${revision}`,
      streamId: usernameStream(username),
      revision,
      position: 1,
      type: 'UserRegistered',
      data: { userId, username, passwordHash: 'hash' },
      metadata: {},
      recordedAt: T0,
    });
    users.observe([
      registered('u-1', 'Alice'),
      // Not a registration: a later event of the stream, or of another type.
      registered('u-2', 'bob', 1),
      { ...registered('u-3', 'carol'), type: 'WalletCharged' },
    ]);
    expect(users.exists('u-1', 'alice')).toBe(true);
    expect(streams.reads).toEqual([]);
    expect(users.exists('u-2', 'bob')).toBeInstanceOf(Promise);
    expect(users.exists('u-3', 'carol')).toBeInstanceOf(Promise);
    expect(users.exists('u-1', 'bob')).toBeInstanceOf(Promise);
  });

  it('does not remember a failed read as a no: it answers 503 and asks again next time', async () => {
    streams.register('u-1', 'alice');
    streams.failing = true;
    const failed = await Promise.resolve(users.exists('u-1', 'alice')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(DomainError);
    expect((failed as DomainError).code).toBe('SERVICE_UNAVAILABLE');
    streams.failing = false;
    expect(await users.exists('u-1', 'alice')).toBe(true);
  });
});

describe('RegisteredPairs', () => {
  const userId = (i: number) => `${(i * 2654435761) % 2 ** 32}`.padStart(10, '0') + `-0000-4000-8000-${i}`;

  it('half full, keeps every pair it was given, and takes none it was not given for one it was', () => {
    // The service's table is 2^21 slots: a million users fill it to the same half.
    const pairs = new RegisteredPairs(1 << 16);
    const n = 1 << 15;
    for (let i = 0; i < n; i += 1) pairs.add(userId(i), `user${i}`);
    let kept = 0;
    for (let i = 0; i < n; i += 1) if (pairs.has(userId(i), `user${i}`)) kept += 1;
    expect(kept).toBe(n);
    let mistaken = 0;
    for (let i = 0; i < n; i += 1) {
      if (pairs.has(userId(i + n), `user${i}`) || pairs.has(userId(i), `user${i + 1}`)) mistaken += 1;
    }
    expect(mistaken).toBe(0);
  });

  it('makes way in a full bucket by dropping its oldest pair, so it never grows', () => {
    const pairs = new RegisteredPairs(8);
    for (let i = 0; i < 8; i += 1) pairs.add(`u${i}`, 'name');
    expect(Array.from({ length: 8 }, (_, i) => pairs.has(`u${i}`, 'name'))).toEqual(Array(8).fill(true));
    pairs.add('u8', 'name');
    pairs.add('u8', 'name'); // already there: nothing else is dropped
    expect(Array.from({ length: 9 }, (_, i) => pairs.has(`u${i}`, 'name'))).toEqual([false, ...Array(8).fill(true)]);
  });
});
