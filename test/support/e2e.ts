import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EVENT_STORE,
  EVENT_STORE_ADMIN,
  EventStore,
  EventStoreAdmin,
  RecordedEvent,
} from '../../src/event-store/event-store.port';
import { EVENT_UPCASTERS } from '../../src/event-store/upcasting/event-upcasters';
import { TokenService } from '../../src/http/auth/token.service';
import { DUMMY_HASH } from '../../src/write/users/password';
import { UserRegistered, usernameStream } from '../../src/write/users/user.decider';
import { RunningApp, startApp } from './app';
import { Client, Response, User } from './client';

/** Helpers shared by the end-to-end suites; they only speak HTTP, except where a suite must look at the log. */

export type Seat = { seatId: string; seatNo: number; price: number; status: 'AVAILABLE' | 'HELD' | 'SOLD' };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const dataDirs: string[] = [];
let template: Promise<string> | undefined;

/**
 * A DATA_DIR of its own, holding an empty event store. Initialising PGlite on an
 * empty directory is the slow part of a start (seconds on a busy machine), so the
 * first call makes one initialised template per test file and later calls copy it.
 */
export async function freshDataDir(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickets-template-'));
    dataDirs.push(dir);
    const running = await startApp({ DATA_DIR: dir });
    await running.close();
    return dir;
  })();
  const dir = mkdtempSync(join(tmpdir(), 'tickets-e2e-'));
  dataDirs.push(dir);
  cpSync(await template, dir, { recursive: true });
  return dir;
}

/** An empty directory for one app's DATA_DIR (initialised by that app), removed by removeDataDirs. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tickets-e2e-'));
  dataDirs.push(dir);
  return dir;
}

/** Deletes every DATA_DIR freshDataDir made (call once the apps using them are closed). */
export function removeDataDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  template = undefined;
}

/** Signs up `count` users, a few at a time (scrypt is deliberately slow). */
export async function makeUsers(client: Client, count: number, prefix = 'u', batch = 6): Promise<User[]> {
  const tag = Math.random().toString(36).slice(2, 8);
  const users: User[] = [];
  for (let i = 0; i < count; i += batch) {
    const size = Math.min(batch, count - i);
    users.push(...(await Promise.all(Array.from({ length: size }, (_, j) => client.user(`${prefix}${i + j}_${tag}`)))));
  }
  return users;
}

/** Joins every user to the concert's queue (in parallel) and waits until each is ACTIVE. */
export async function makeActive(users: readonly User[], concertId: string, timeoutMs = 10_000): Promise<void> {
  await Promise.all(
    users.map(async (user) => {
      const joined = await user.join(concertId);
      if (joined.status !== 201 && joined.status !== 200)
        throw new Error(`join: ${joined.status} ${JSON.stringify(joined.body)}`);
      const status = await user.waitForStatus('ACTIVE', timeoutMs);
      if (status.body?.status !== 'ACTIVE') throw new Error(`never ACTIVE: ${JSON.stringify(status.body)}`);
    }),
  );
}

/** The same user (same access token) talking to another running instance, e.g. after a restart. */
export function sameUserOn(client: Client, user: User): User {
  const moved = new User(client, user.userId, user.accessToken);
  moved.queueToken = user.queueToken;
  return moved;
}

/** Polls `probe` until `done` holds or the deadline passes; returns the last value either way. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

export const positionOf = (response: Response): number => Number(response.headers.get('x-event-position') ?? 0);

export const maxPosition = (responses: readonly Response[]): number => Math.max(0, ...responses.map(positionOf));

/** The seat map as `reader` (an ACTIVE user) sees it once the read model has reached `minPosition`. */
export async function seatMap(reader: User, scheduleId: string, minPosition = 0): Promise<Seat[]> {
  const response = await reader.call<Seat[]>('GET', `/v1/schedules/${scheduleId}/seats`, undefined, {
    'x-min-position': String(minPosition),
  });
  if (response.status !== 200) throw new Error(`seat map: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export const seatIdsWith = (seats: readonly Seat[], status: Seat['status']) =>
  seats
    .filter((s) => s.status === status)
    .map((s) => s.seatId)
    .sort();

export function eventStoreOf(running: RunningApp): EventStore {
  return running.app.get<EventStore>(EVENT_STORE);
}

/** The same store from its admin side (export, import, events as stored). */
export function eventStoreAdminOf(running: RunningApp): EventStoreAdmin {
  return running.app.get<EventStoreAdmin>(EVENT_STORE_ADMIN);
}

/**
 * The whole log in position order, as stored: read from the table itself
 * (readAll may serve a page from the instance's own recent appends, which
 * ends at the first event another instance wrote), and sorted.
 */
export async function allEvents(running: RunningApp): Promise<RecordedEvent[]> {
  const selection = { after: 0, until: Number.MAX_SAFE_INTEGER, limit: 1_000_000 };
  const events = await eventStoreAdminOf(running).readSelected(selection);
  return [...events].sort((a, b) => a.position - b.position);
}

export const eventTypes = (events: readonly RecordedEvent[]) => events.map((e) => e.type);

/** Asserts the contract's problem+json shape (and that nothing internal leaks), then the status and code. */
export function expectProblem(response: Response, status?: number, code?: string): void {
  const context = JSON.stringify({ status: response.status, body: response.body });
  if (status !== undefined) expect({ status: response.status, context }).toEqual({ status, context });
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  const body = response.body as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status: response.status,
      detail: expect.any(String),
      code: expect.stringMatching(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/),
    }),
  );
  if (code !== undefined) expect({ code: body.code, context }).toEqual({ code, context });
  expect(JSON.stringify(body)).not.toMatch(STACK_TRACE);
}

/** Stack frames, source paths or internal error names have no business in a response. */
export const STACK_TRACE =
  /\bat [^\s]+ \(|\bat (?:async )?\/|\/work\/|node_modules|\.ts:\d+|\.js:\d+|InjectedFault|WrongExpectedRevision|Error: /;

/** A small deterministic PRNG (mulberry32), so that a failing concurrency run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` distinct items of `items`, drawn with `random`. */
export function pick<T>(items: readonly T[], size: number, random: () => number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < size && pool.length > 0) chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
  return chosen;
}

/**
 * Signs `count` users up over HTTP (a real user each) and mints their access
 * tokens with the app's own TokenService instead of logging in, which halves
 * the scrypt work for suites that need many users. Same tokens login would give.
 */
export async function quickUsers(running: RunningApp, count: number, prefix = 'q', batch = 8): Promise<User[]> {
  const tokens = running.app.get(TokenService);
  const tag = Math.random().toString(36).slice(2, 8);
  const users: User[] = [];
  for (let i = 0; i < count; i += batch) {
    const size = Math.min(batch, count - i);
    const made = await Promise.all(
      Array.from({ length: size }, async (_, j) => {
        const username = `${prefix}${i + j}_${tag}`;
        const signup = await running.client.request('POST', '/v1/auth/signup', {
          body: { username, password: 'correct horse battery' },
        });
        if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
        const { userId } = signup.body as { userId: string };
        return new User(running.client, userId, tokens.signAccess({ userId, username }).accessToken);
      }),
    );
    users.push(...made);
  }
  return users;
}

/**
 * `count` users signed up by writing their UserRegistered events straight
 * to the store, with access tokens: for suites that need many users and not
 * the signup's password hashing (16 MiB of scrypt each).
 */
export async function registeredUsers(running: RunningApp, count: number, prefix = 'r'): Promise<User[]> {
  const store = eventStoreOf(running);
  const tokens = running.app.get(TokenService);
  const tag = Math.random().toString(36).slice(2, 8);
  const users: User[] = [];
  for (let i = 0; i < count; i += 50) {
    const made = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
        const username = `${prefix}${i + j}_${tag}`;
        const userId = crypto.randomUUID();
        const data: UserRegistered['data'] = { userId, username, passwordHash: DUMMY_HASH };
        const metadata = EVENT_UPCASTERS.stamp('UserRegistered', { correlationId: `seed-${tag}` });
        const event = { id: crypto.randomUUID(), type: 'UserRegistered', data, metadata };
        await store.append(usernameStream(username), [event], 'no_stream');
        return new User(running.client, userId, tokens.signAccess({ userId, username }).accessToken);
      }),
    );
    users.push(...made);
  }
  return users;
}
