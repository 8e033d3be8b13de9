import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../src/event-store/event-store.port';
import { EventStoreConfig, openEventStore } from '../src/event-store/open-event-store';
import { EVENT_UPCASTERS } from '../src/event-store/upcasting/event-upcasters';
import type { TokenService } from '../src/http/auth/token.service';
import { QueueJoined, queueEntryStream } from '../src/write/queue/queue-entry.decider';
import { hashPassword } from '../src/write/users/password';
import { UserRegistered, usernameStream } from '../src/write/users/user.decider';
import { progress } from './service';

/** N synthetic users, named by their index. */
export type UserNames = { readonly count: number; userId(i: number): string; username(i: number): string };

const IMPORT_PAGE = 10_000;

/**
 * Appends one event per user to the log with the service stopped, a page at
 * a time: `eventAt(i, position)` makes user i's event at that log position.
 */
export async function importPerUser(
  users: UserNames,
  eventStore: EventStoreConfig,
  what: string,
  eventAt: (i: number, position: number) => RecordedEvent,
  options: { emptyStore?: boolean } = {},
): Promise<number> {
  const started = Date.now();
  const store = await openEventStore(eventStore);
  try {
    let head = await store.headPosition();
    if (options.emptyStore && head !== 0) throw new Error(`the event store is not empty (head ${head})`);
    for (let from = 0; from < users.count; from += IMPORT_PAGE) {
      const page: RecordedEvent[] = [];
      for (let i = from; i < Math.min(users.count, from + IMPORT_PAGE); i += 1) {
        page.push(eventAt(i, head + page.length + 1));
      }
      head = await store.importEvents(head, page);
      if ((from / IMPORT_PAGE) % 20 === 0 || from + IMPORT_PAGE >= users.count) {
        progress(`imported ${Math.min(users.count, from + IMPORT_PAGE).toLocaleString('en')} ${what}`);
      }
    }
  } finally {
    await store.close();
  }
  return (Date.now() - started) / 1000;
}

/** Writes the N sign-up events into the (empty) event store, page by page, without the service. */
export async function seedUsers(users: UserNames, eventStore: EventStoreConfig): Promise<number> {
  const passwordHash = await hashPassword('correct horse battery');
  const recordedAt = new Date();
  const metadata = EVENT_UPCASTERS.stamp('UserRegistered', { correlationId: `bench-seed-${randomUUID()}` });
  return importPerUser(
    users,
    eventStore,
    'users',
    (i, position) => {
      const username = users.username(i);
      const data: UserRegistered['data'] = { userId: users.userId(i), username, passwordHash };
      return {
        id: randomUUID(),
        streamId: usernameStream(username),
        revision: 0,
        position,
        type: 'UserRegistered',
        data,
        metadata,
        recordedAt,
      };
    },
    { emptyStore: true },
  );
}

/**
 * The joins as the service would have written them (one QueueJoined per
 * user, in user order), appended to the log while the service is stopped,
 * and the queue tokens it would have answered.
 */
export async function importJoins(
  users: UserNames,
  concertId: string,
  eventStore: EventStoreConfig,
  tokens: Pick<TokenService, 'signQueue'>,
  queueTokens: string[],
): Promise<number> {
  const recordedAt = new Date();
  const metadata = EVENT_UPCASTERS.stamp('QueueJoined', { correlationId: `bench-seed-${randomUUID()}` });
  return importPerUser(users, eventStore, 'joins', (i, position) => {
    const userId = users.userId(i);
    const entryId = randomUUID();
    const data: QueueJoined['data'] = { entryId, concertId, userId };
    queueTokens[i] = tokens.signQueue({ userId, concertId, entryId });
    return {
      id: randomUUID(),
      streamId: queueEntryStream(concertId, userId),
      revision: 0,
      position,
      type: 'QueueJoined',
      data,
      metadata,
      recordedAt,
    };
  });
}
