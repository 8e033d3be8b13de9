import { connect } from 'node:net';
import jwt from 'jsonwebtoken';
import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { Response, User } from './support/client';
import { STACK_TRACE, eventStoreOf, positionOf, removeDataDirs, tempDataDir } from './support/e2e';

/**
 * A corpus of malformed requests against every POST route and the GET/DELETE
 * ones. Each must be refused with a 4xx problem+json document (never a 500,
 * never a stack trace) and none may write anything to the event log.
 */
describe('malformed requests are refused cleanly and write nothing', () => {
  let running: RunningApp;
  let alice: User;
  let bob: User;
  let concertId: string;
  let scheduleId: string;
  let seatIds: string[];
  let reservationId: string;
  let headBefore: number;
  const usernames = new Map<User, string>();
  const usernameOf = (user: User) => usernames.get(user)!;

  type Who = 'alice' | 'bob' | 'anonymous';
  type Case = {
    name: string;
    method: string;
    path: string | (() => string);
    /** Sent as JSON with content-type application/json. */
    json?: unknown;
    /** Sent verbatim; content-type only as given in headers. */
    raw?: string;
    headers?: Record<string, string> | (() => Record<string, string>);
    as?: Who;
    /** Expected status and code; several when the contract allows either. */
    expect: [number, string] | [number, string][];
  };

  beforeAll(async () => {
    running = await startApp({ DATA_DIR: tempDataDir() });
    const concert = await running.client.createConcert(6);
    concertId = concert.concertId;
    ({ scheduleId, seatIds } = concert.schedules[0]);
    const tag = Math.random().toString(36).slice(2, 8);
    alice = await running.client.user(`valice_${tag}`);
    bob = await running.client.user(`vbob_${tag}`);
    usernames.set(alice, `valice_${tag}`);
    await alice.joinAndWaitActive(concertId);
    await bob.joinAndWaitActive(concertId);
    const held = await alice.hold(scheduleId, [seatIds[0]]);
    expect(held.status).toBe(201);
    reservationId = held.body.reservationId;
    // Everything written so far has been applied, and nothing is left for the background processes to do.
    await alice.call('GET', '/v1/wallet', undefined, { 'x-min-position': String(positionOf(held)) });
    headBefore = await eventStoreOf(running).headPosition();
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  const SECRET = 'test-jwt-secret-0123456789abcdef';
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const aliceToken = () => alice.accessToken;
  const aliceQueue = () => alice.queueToken;
  const aliceHeaders =
    (extra: Record<string, string> = {}) =>
    () => ({
      ...bearer(aliceToken()),
      'x-queue-token': aliceQueue(),
      ...extra,
    });
  const pad = (size: number) => 'x'.repeat(size);
  const overLimitJson = (fields: Record<string, unknown>) => JSON.stringify({ ...fields, pad: pad(70 * 1024) });
  const VALIDATION: [number, string] = [400, 'VALIDATION_FAILED'];
  const UNAUTHENTICATED: [number, string] = [401, 'UNAUTHENTICATED'];
  const BAD_QUEUE_TOKEN: [number, string] = [401, 'INVALID_QUEUE_TOKEN'];
  const TOO_LARGE: [number, string] = [413, 'PAYLOAD_TOO_LARGE'];
  // The contract is silent on non-JSON bodies: refusing the media type or the (non-object) body are both fine.
  const MEDIA: [number, string][] = [
    [415, 'UNSUPPORTED_MEDIA_TYPE'],
    [400, 'VALIDATION_FAILED'],
  ];

  const signup = (json: unknown, name: string, expected: Case['expect'] = VALIDATION): Case => ({
    name: `signup: ${name}`,
    method: 'POST',
    path: '/v1/auth/signup',
    json,
    as: 'anonymous',
    expect: expected,
  });
  const charge = (name: string, extra: Partial<Case>, expected: Case['expect'] = VALIDATION): Case => ({
    name: `charge: ${name}`,
    method: 'POST',
    path: '/v1/wallet/charge',
    as: 'alice',
    expect: expected,
    ...extra,
  });
  const hold = (
    name: string,
    json: unknown,
    expected: Case['expect'] = VALIDATION,
    headers?: Case['headers'],
  ): Case => ({
    name: `hold: ${name}`,
    method: 'POST',
    path: '/v1/reservations',
    json,
    headers: headers ?? aliceHeaders(),
    expect: expected,
  });
  const pay = (
    name: string,
    json: unknown,
    expected: Case['expect'] = VALIDATION,
    headers?: Case['headers'],
  ): Case => ({
    name: `pay: ${name}`,
    method: 'POST',
    path: '/v1/payments',
    json,
    headers: headers ?? aliceHeaders(),
    expect: expected,
  });
  const admin = (name: string, json: unknown, expected: Case['expect'] = VALIDATION, key = ADMIN_KEY): Case => ({
    name: `admin concert: ${name}`,
    method: 'POST',
    path: '/v1/admin/concerts',
    json,
    headers: { 'x-admin-key': key },
    as: 'anonymous',
    expect: expected,
  });
  const concertBody = (
    overrides: Record<string, unknown> = {},
    seat: Record<string, unknown> = { seatNo: 1, price: 100 },
  ) => ({
    title: 'Valid title',
    schedules: [{ startsAt: '2027-01-01T19:00:00Z', seats: [seat] }],
    ...overrides,
  });
  const id101 = pad(101);

  const corpus: Case[] = [
    // --- sign-up and login
    signup({ username: 'newuser1', password: 'long enough pw', admin: true }, 'unknown field'),
    signup({ username: 'ab', password: 'long enough pw' }, 'username too short'),
    signup({ username: pad(33), password: 'long enough pw' }, 'username too long'),
    signup({ username: 'bad name!', password: 'long enough pw' }, 'username with forbidden characters'),
    signup({ username: 12345, password: 'long enough pw' }, 'username not a string'),
    signup({ username: 'newuser2', password: 'short12' }, 'password of 7 characters'),
    signup({ username: 'newuser3', password: pad(129) }, 'password of 129 characters'),
    signup({ username: 'newuser4' }, 'password missing'),
    signup({ username: 'newuser5', password: null }, 'password null'),
    signup([], 'body is an array'),
    signup('newuser6', 'body is a string'),
    signup(null, 'body is null'),
    signup(42, 'body is a number'),
    { ...signup(undefined, 'invalid JSON'), raw: '{"username":"x",', headers: { 'content-type': 'application/json' } },
    { ...signup(undefined, 'no body at all'), raw: undefined },
    { ...signup(undefined, 'empty body declared as JSON'), raw: '', headers: { 'content-type': 'application/json' } },
    {
      ...signup(undefined, 'text/plain body', MEDIA),
      raw: '{"username":"newuser7","password":"long enough pw"}',
      headers: { 'content-type': 'text/plain' },
    },
    {
      ...signup(undefined, 'body over 64 KiB', TOO_LARGE),
      raw: overLimitJson({ username: 'newuser8', password: 'long enough pw' }),
      headers: { 'content-type': 'application/json' },
    },
    { ...signup(undefined, 'username already taken', [409, 'USERNAME_TAKEN']), json: undefined, raw: 'TAKEN' },
    {
      name: 'login: wrong password',
      method: 'POST',
      path: '/v1/auth/login',
      json: 'WRONG_PASSWORD',
      as: 'anonymous',
      expect: [401, 'INVALID_CREDENTIALS'],
    },
    {
      name: 'login: unknown user',
      method: 'POST',
      path: '/v1/auth/login',
      json: { username: 'nobody_here', password: 'long enough pw' },
      as: 'anonymous',
      expect: [401, 'INVALID_CREDENTIALS'],
    },
    {
      name: 'login: unknown field',
      method: 'POST',
      path: '/v1/auth/login',
      json: { username: 'nobody_here', password: 'long enough pw', remember: true },
      as: 'anonymous',
      expect: VALIDATION,
    },
    {
      // Login takes a username by the signup rule (one schema): no account can have any other.
      name: 'login: username outside the signup rule',
      method: 'POST',
      path: '/v1/auth/login',
      json: { username: 'bad name!', password: 'long enough pw' },
      as: 'anonymous',
      expect: VALIDATION,
    },
    {
      name: 'login: password not a string',
      method: 'POST',
      path: '/v1/auth/login',
      json: { username: 'nobody_here', password: 12345678 },
      as: 'anonymous',
      expect: VALIDATION,
    },

    // --- admin
    admin('no admin key', concertBody(), [401, 'ADMIN_KEY_INVALID'], ''),
    admin('wrong admin key', concertBody(), [401, 'ADMIN_KEY_INVALID'], 'wrong-admin-key-000'),
    {
      ...admin('bearer token instead of admin key', concertBody(), [401, 'ADMIN_KEY_INVALID']),
      headers: () => bearer(aliceToken()),
    },
    admin('empty title', concertBody({ title: '   ' })),
    admin('title of 201 characters', concertBody({ title: pad(201) })),
    admin('no schedules', concertBody({ schedules: [] })),
    admin('negative price', concertBody({}, { seatNo: 1, price: -1 })),
    admin('fractional price', concertBody({}, { seatNo: 1, price: 1.5 })),
    admin('seat number zero', concertBody({}, { seatNo: 0, price: 100 })),
    admin('unknown seat field', concertBody({}, { seatNo: 1, price: 100, vip: true })),
    admin('startsAt not a date', {
      ...concertBody(),
      schedules: [{ startsAt: 'tomorrow', seats: [{ seatNo: 1, price: 1 }] }],
    }),
    admin('duplicate seat numbers', {
      title: 'Dup',
      schedules: [
        {
          startsAt: '2027-01-01T19:00:00Z',
          seats: [
            { seatNo: 1, price: 1 },
            { seatNo: 1, price: 2 },
          ],
        },
      ],
    }),
    admin('unknown top-level field', concertBody({ venue: 'Arena' })),
    admin('body is an array', [concertBody()]),
    {
      ...admin('body over 16 MiB (the admin limit)', undefined, TOO_LARGE),
      raw: JSON.stringify(concertBody({ title: pad(17 * 1024 * 1024) })),
      headers: { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' },
    },

    // --- wallet charge: amounts and bodies
    charge('amount zero', { json: { amount: 0 } }),
    charge('negative amount', { json: { amount: -1 } }),
    charge('fractional amount', { json: { amount: 1.5 } }),
    charge('amount as a string', { json: { amount: '100' } }),
    charge('amount above 10,000,000', { json: { amount: 10_000_001 } }),
    charge('amount null', { json: { amount: null } }),
    charge('amount missing', { json: {} }),
    charge('unknown field', { json: { amount: 100, currency: 'KRW' } }),
    charge('amount of 1e400 (Infinity)', { raw: '{"amount":1e400}', headers: { 'content-type': 'application/json' } }),
    charge('body is an array', { json: [100] }),
    charge('body is a string', { json: '100' }),
    charge('body is null', { json: null }),
    charge('body is a number', { json: 100 }),
    charge('truncated JSON', { raw: '{"amount":', headers: { 'content-type': 'application/json' } }),
    charge('single-quoted JSON', { raw: "{'amount':1}", headers: { 'content-type': 'application/json' } }),
    charge('trailing comma', { raw: '{"amount":1,}', headers: { 'content-type': 'application/json' } }),
    charge('__proto__ key', {
      raw: '{"amount":1,"__proto__":{"admin":true}}',
      headers: { 'content-type': 'application/json' },
    }),
    charge('constructor.prototype key', {
      raw: '{"amount":1,"constructor":{"prototype":{"admin":true}}}',
      headers: { 'content-type': 'application/json' },
    }),
    charge('amount key repeated (the last one would win)', {
      raw: '{"amount":-5,"amount":1}',
      headers: { 'content-type': 'application/json' },
    }),
    charge('no body', {}),
    charge('empty body declared as JSON', { raw: '', headers: { 'content-type': 'application/json' } }),
    charge('text/plain', { raw: '{"amount":1}', headers: { 'content-type': 'text/plain' } }, MEDIA),
    charge(
      'form-encoded',
      { raw: 'amount=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      MEDIA,
    ),
    charge(
      'body over 64 KiB',
      { raw: overLimitJson({ amount: 1 }), headers: { 'content-type': 'application/json' } },
      TOO_LARGE,
    ),

    // --- Idempotency-Key (the body is valid: the key alone must stop it)
    charge('Idempotency-Key of 129 characters', { json: { amount: 100 }, headers: { 'idempotency-key': pad(129) } }),
    charge('Idempotency-Key with a tab', { json: { amount: 100 }, headers: { 'idempotency-key': 'key\twith-tab' } }),
    charge('Idempotency-Key with a non-ASCII byte', { json: { amount: 100 }, headers: { 'idempotency-key': 'clé' } }),
    charge('empty Idempotency-Key', { json: { amount: 100 }, headers: { 'idempotency-key': '' } }),
    hold(
      'Idempotency-Key of 129 characters',
      { scheduleId: 'x', seatIds: ['y'] },
      VALIDATION,
      aliceHeaders({ 'idempotency-key': pad(129) }),
    ),

    // --- access tokens
    charge('no Authorization header', { json: { amount: 100 }, as: 'anonymous' }, UNAUTHENTICATED),
    charge(
      'garbage bearer token',
      { json: { amount: 100 }, as: 'anonymous', headers: bearer('garbage') },
      UNAUTHENTICATED,
    ),
    charge(
      'Bearer without a token',
      { json: { amount: 100 }, as: 'anonymous', headers: { authorization: 'Bearer ' } },
      UNAUTHENTICATED,
    ),
    charge(
      'Basic credentials',
      { json: { amount: 100 }, as: 'anonymous', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
      UNAUTHENTICATED,
    ),
    charge(
      'token signed with another secret',
      {
        json: { amount: 100 },
        as: 'anonymous',
        headers: () => bearer(jwt.sign({ typ: 'access' }, 'another-secret-0123456789', { subject: alice.userId })),
      },
      UNAUTHENTICATED,
    ),
    charge(
      'expired token',
      {
        json: { amount: 100 },
        as: 'anonymous',
        headers: () =>
          bearer(
            jwt.sign({ typ: 'access', exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, { subject: alice.userId }),
          ),
      },
      UNAUTHENTICATED,
    ),
    charge(
      'alg none token',
      {
        json: { amount: 100 },
        as: 'anonymous',
        headers: () => bearer(jwt.sign({ typ: 'access' }, '', { algorithm: 'none', subject: alice.userId })),
      },
      UNAUTHENTICATED,
    ),
    charge(
      'a queue token used as the access token',
      { json: { amount: 100 }, as: 'anonymous', headers: () => bearer(aliceQueue()) },
      UNAUTHENTICATED,
    ),

    // --- reservations
    hold('empty seatIds', { scheduleId: 'S', seatIds: [] }),
    hold('five seat ids', { scheduleId: 'S', seatIds: ['a', 'b', 'c', 'd', 'e'] }),
    hold('duplicate seat ids', { scheduleId: 'S', seatIds: ['a', 'a'] }),
    hold('seatIds not an array', { scheduleId: 'S', seatIds: 'a' }),
    hold('seat ids not strings', { scheduleId: 'S', seatIds: [1, 2] }),
    hold('seat id of 101 characters', { scheduleId: 'S', seatIds: [id101] }),
    hold('seat id with a slash', { scheduleId: 'S', seatIds: ['../etc/passwd'] }),
    hold('scheduleId missing', { seatIds: ['a'] }),
    hold('scheduleId too long', { scheduleId: id101, seatIds: ['a'] }),
    hold('unknown field', { scheduleId: 'S', seatIds: ['a'], note: 'front row' }),
    hold('body over 64 KiB', undefined, TOO_LARGE),
    hold('unknown schedule', { scheduleId: 'no-such-schedule', seatIds: ['no-such-schedule.1'] }, [
      404,
      'SCHEDULE_NOT_FOUND',
    ]),
    hold('unknown seat of a real schedule', 'UNKNOWN_SEAT', [404, 'SEAT_NOT_FOUND']),
    hold('no queue token', 'VALID', BAD_QUEUE_TOKEN, () => bearer(aliceToken())),
    hold('garbage queue token', 'VALID', BAD_QUEUE_TOKEN, () => ({
      ...bearer(aliceToken()),
      'x-queue-token': 'garbage',
    })),
    hold('another user’s queue token', 'VALID', BAD_QUEUE_TOKEN, () => ({
      ...bearer(aliceToken()),
      'x-queue-token': bob.queueToken,
    })),
    hold('an access token as the queue token', 'VALID', BAD_QUEUE_TOKEN, () => ({
      ...bearer(aliceToken()),
      'x-queue-token': aliceToken(),
    })),
    hold('no access token', 'VALID', UNAUTHENTICATED, () => ({ 'x-queue-token': aliceQueue() })),

    // --- payments
    pay('empty object', {}),
    pay('reservationId a number', { reservationId: 42 }),
    pay('reservationId of 101 characters', { reservationId: id101 }),
    pay('reservationId with spaces', { reservationId: 'a b' }),
    pay('unknown field', { reservationId: 'r', amount: 1 }),
    pay('body is an array', ['r']),
    pay('unknown reservation', { reservationId: 'no-such-reservation' }, [404, 'RESERVATION_NOT_FOUND']),
    pay('someone else’s reservation', 'ALICES_RESERVATION', [404, 'RESERVATION_NOT_FOUND'], () => ({
      ...bearer(bob.accessToken),
      'x-queue-token': bob.queueToken,
    })),
    pay('no queue token', 'ALICES_RESERVATION', BAD_QUEUE_TOKEN, () => bearer(aliceToken())),

    // --- queue
    {
      name: 'join: unknown concert',
      method: 'POST',
      path: '/v1/concerts/no-such-concert/queue',
      as: 'alice',
      expect: [404, 'CONCERT_NOT_FOUND'],
    },
    {
      name: 'join: concert id with odd characters',
      method: 'POST',
      path: '/v1/concerts/%20%3Cscript%3E/queue',
      as: 'alice',
      expect: [404, 'NOT_FOUND'],
    },
    {
      name: 'join: no access token',
      method: 'POST',
      path: () => `/v1/concerts/${concertId}/queue`,
      as: 'anonymous',
      expect: UNAUTHENTICATED,
    },
    {
      name: 'queue status: no queue token',
      method: 'GET',
      path: '/v1/queue/status',
      headers: () => bearer(aliceToken()),
      expect: BAD_QUEUE_TOKEN,
    },
    {
      name: 'queue status: garbage queue token',
      method: 'GET',
      path: '/v1/queue/status',
      headers: () => ({ ...bearer(aliceToken()), 'x-queue-token': 'e30.e30.garbage' }),
      expect: BAD_QUEUE_TOKEN,
    },
    {
      name: 'queue status: forged queue token',
      method: 'GET',
      path: '/v1/queue/status',
      headers: () => ({
        ...bearer(aliceToken()),
        'x-queue-token': jwt.sign({ typ: 'queue', concertId, entryId: 'made-up' }, SECRET, {
          subject: alice.userId,
          noTimestamp: true,
        }),
      }),
      expect: BAD_QUEUE_TOKEN,
    },
    {
      name: 'queue status: another user’s token',
      method: 'GET',
      path: '/v1/queue/status',
      headers: () => ({ ...bearer(aliceToken()), 'x-queue-token': bob.queueToken }),
      expect: BAD_QUEUE_TOKEN,
    },
    {
      name: 'queue status: no access token',
      method: 'GET',
      path: '/v1/queue/status',
      headers: () => ({ 'x-queue-token': aliceQueue() }),
      expect: UNAUTHENTICATED,
    },

    // --- queries and DELETE
    {
      name: 'schedules of an unknown concert',
      method: 'GET',
      path: '/v1/concerts/no-such-concert/schedules',
      headers: aliceHeaders(),
      expect: [404, 'CONCERT_NOT_FOUND'],
    },
    {
      name: 'seats of an unknown schedule',
      method: 'GET',
      path: '/v1/schedules/no-such-schedule/seats',
      headers: aliceHeaders(),
      expect: [404, 'SCHEDULE_NOT_FOUND'],
    },
    {
      name: 'seats without a queue token',
      method: 'GET',
      path: () => `/v1/schedules/${scheduleId}/seats`,
      headers: () => bearer(aliceToken()),
      expect: BAD_QUEUE_TOKEN,
    },
    {
      name: 'unknown reservation',
      method: 'GET',
      path: '/v1/reservations/no-such-reservation',
      as: 'alice',
      expect: [404, 'RESERVATION_NOT_FOUND'],
    },
    {
      // Longer than the router's path-parameter limit (100): "not found", or "URI too long", but as a problem document.
      name: 'reservation id of 150 characters',
      method: 'GET',
      path: `/v1/reservations/${pad(150)}`,
      as: 'alice',
      expect: [
        [404, 'RESERVATION_NOT_FOUND'],
        [414, 'URI_TOO_LONG'],
      ],
    },
    {
      name: 'DELETE a reservation id of 150 characters',
      method: 'DELETE',
      path: `/v1/reservations/${pad(150)}`,
      as: 'alice',
      expect: [
        [404, 'RESERVATION_NOT_FOUND'],
        [414, 'URI_TOO_LONG'],
      ],
    },
    {
      name: 'someone else’s reservation',
      method: 'GET',
      path: () => `/v1/reservations/${reservationId}`,
      as: 'bob',
      expect: [404, 'RESERVATION_NOT_FOUND'],
    },
    {
      name: 'DELETE someone else’s reservation',
      method: 'DELETE',
      path: () => `/v1/reservations/${reservationId}`,
      as: 'bob',
      expect: [404, 'RESERVATION_NOT_FOUND'],
    },
    {
      name: 'DELETE an unknown reservation',
      method: 'DELETE',
      path: '/v1/reservations/no-such-reservation',
      as: 'alice',
      expect: [404, 'RESERVATION_NOT_FOUND'],
    },
    {
      name: 'DELETE without an access token',
      method: 'DELETE',
      path: () => `/v1/reservations/${reservationId}`,
      as: 'anonymous',
      expect: UNAUTHENTICATED,
    },
    {
      name: 'wallet without an access token',
      method: 'GET',
      path: '/v1/wallet',
      as: 'anonymous',
      expect: UNAUTHENTICATED,
    },
    ...['-1', 'abc', '1.5', '1e3', '9999999999999999', ''].map((value): Case => ({
      name: `X-Min-Position ${JSON.stringify(value)}`,
      method: 'GET',
      path: '/v1/wallet',
      headers: () => ({ ...bearer(aliceToken()), 'x-min-position': value }),
      expect: VALIDATION,
    })),
    { name: 'unknown route (GET)', method: 'GET', path: '/v1/nope', as: 'alice', expect: [404, 'NOT_FOUND'] },
    {
      name: 'unknown route (POST)',
      method: 'POST',
      path: '/v1/nope',
      json: { a: 1 },
      as: 'alice',
      expect: [404, 'NOT_FOUND'],
    },
    { name: 'unknown version', method: 'GET', path: '/v2/concerts', as: 'anonymous', expect: [404, 'NOT_FOUND'] },
    {
      name: 'unsupported method on a known path',
      method: 'PUT',
      path: '/v1/wallet',
      json: { balance: 1_000_000 },
      as: 'alice',
      expect: [
        [404, 'NOT_FOUND'],
        [405, 'METHOD_NOT_ALLOWED'],
      ],
    },
    {
      name: 'DELETE the wallet',
      method: 'DELETE',
      path: '/v1/wallet',
      as: 'alice',
      expect: [
        [404, 'NOT_FOUND'],
        [405, 'METHOD_NOT_ALLOWED'],
      ],
    },
  ];

  /** Cases refer to things that only exist once beforeAll ran; resolve them at send time. */
  function bodyOf(testCase: Case): { body?: string; contentType?: string } {
    if (testCase.raw === 'TAKEN')
      return {
        body: JSON.stringify({ username: usernameOf(alice), password: 'long enough pw' }),
        contentType: 'application/json',
      };
    if (testCase.raw !== undefined) return { body: testCase.raw };
    if (testCase.json === 'WRONG_PASSWORD')
      return {
        body: JSON.stringify({ username: usernameOf(alice), password: 'wrong password!' }),
        contentType: 'application/json',
      };
    if (testCase.json === 'VALID')
      return { body: JSON.stringify({ scheduleId, seatIds: [seatIds[1]] }), contentType: 'application/json' };
    if (testCase.json === 'UNKNOWN_SEAT')
      return { body: JSON.stringify({ scheduleId, seatIds: [`${scheduleId}.999`] }), contentType: 'application/json' };
    if (testCase.json === 'ALICES_RESERVATION')
      return { body: JSON.stringify({ reservationId }), contentType: 'application/json' };
    if (testCase.name === 'hold: body over 64 KiB') {
      return { body: overLimitJson({ scheduleId, seatIds: [seatIds[1]] }), contentType: 'application/json' };
    }
    if (testCase.json === undefined) return {};
    return { body: JSON.stringify(testCase.json), contentType: 'application/json' };
  }

  async function send(testCase: Case): Promise<Response> {
    const path = typeof testCase.path === 'function' ? testCase.path() : testCase.path;
    const given = typeof testCase.headers === 'function' ? testCase.headers() : (testCase.headers ?? {});
    const who = testCase.as === 'alice' ? alice : testCase.as === 'bob' ? bob : undefined;
    const headers: Record<string, string> = { ...(who ? bearer(who.accessToken) : {}), ...given };
    const { body, contentType } = bodyOf(testCase);
    if (contentType && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = contentType;
    const response = await fetch(running.url + path, { method: testCase.method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  function expectCleanRefusal(testCase: Case, response: Response) {
    const answer = `${response.status} ${(response.body as { code?: string })?.code}`;
    const allowed = (
      (Array.isArray(testCase.expect[0]) ? testCase.expect : [testCase.expect]) as [number, string][]
    ).map(([status, code]) => `${status} ${code}`);
    expect({ answer }).toEqual({ answer: allowed.includes(answer) ? answer : `one of: ${allowed.join(' | ')}` });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({
      ...(typeof response.body === 'object' ? response.body : {}),
      type: expect.any(String),
      title: expect.any(String),
      status: response.status,
      detail: expect.any(String),
      code: expect.stringMatching(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/),
    });
    expect(JSON.stringify(response.body)).not.toMatch(STACK_TRACE);
  }

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    expectCleanRefusal(testCase, await send(testCase));
  });

  it('a control character in a header (rejected by the HTTP parser) still gets a problem+json 400', async () => {
    const port = Number(new URL(running.url).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          'POST /v1/wallet/charge HTTP/1.1\r\nHost: localhost\r\n' +
            `Authorization: Bearer ${alice.accessToken}\r\nIdempotency-Key: a\x01b\r\n` +
            'Content-Type: application/json\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{"amount":100}',
        ),
      );
      let out = '';
      socket.on('data', (chunk) => (out += chunk.toString('latin1')));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
    const [head, ...rest] = raw.split('\r\n\r\n');
    const status = Number(head.split(' ')[1]);
    const contentType = /\r\ncontent-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '';
    expect(status).toBe(400);
    expect(JSON.stringify(rest.join(''))).not.toMatch(STACK_TRACE);
    expect({ contentType, body: rest.join('') }).toEqual({
      contentType: expect.stringMatching(/^application\/problem\+json/),
      body: expect.stringContaining('"code":"VALIDATION_FAILED"'),
    });
  });

  it('wrote nothing to the event log', async () => {
    expect(await eventStoreOf(running).headPosition()).toBe(headBefore);
    // Positive control: a well-formed command does move the head, so the comparison above can fail.
    const charged = await alice.charge(100);
    expect(charged.status).toBe(200);
    expect(await eventStoreOf(running).headPosition()).toBeGreaterThan(headBefore);
  });
});
