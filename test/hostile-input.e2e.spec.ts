import { connect } from 'node:net';
import { EVENT_STORE } from '../src/event-store/event-store.port';
import type { SqlEventStore } from '../src/event-store/sql-event-store';
import { INPUT_LIMITS } from '../src/http/input/string-rules';
import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { User } from './support/client';
import { STACK_TRACE, allEvents, eventStoreOf, positionOf, removeDataDirs, tempDataDir } from './support/e2e';

/**
 * Strings no store can take (NUL, lone surrogates, bytes that are not UTF-8,
 * over-long values) and JSON bodies that repeat a key, in every string slot
 * of every route the OpenAPI document lists: body fields at any depth, path
 * parameters, query parameters and headers. Each must be refused with 400
 * VALIDATION_FAILED as problem+json, and none may write anything.
 */
describe('hostile input is refused at the edge and writes nothing', () => {
  let running: RunningApp;
  let alice: User;
  let concertId: string;
  let scheduleId: string;
  let seatIds: string[];
  let reservationId: string;
  let openApi: OpenApiDocument;
  let headBefore: number;
  let eventsBefore: number;
  let idempotencyRowsBefore: number;

  beforeAll(async () => {
    running = await startApp({ DATA_DIR: tempDataDir() });
    const concert = await running.client.createConcert(4);
    concertId = concert.concertId;
    ({ scheduleId, seatIds } = concert.schedules[0]);
    alice = await running.client.user(`hostile_${Math.random().toString(36).slice(2, 8)}`);
    await alice.joinAndWaitActive(concertId);
    const held = await alice.hold(scheduleId, [seatIds[0]]);
    expect(held.status).toBe(201);
    reservationId = held.body.reservationId;
    // Read our own writes, so that nothing is left for the background processes to do.
    await alice.call('GET', '/v1/wallet', undefined, { 'x-min-position': String(positionOf(held)) });
    const docs = await fetch(`${running.url}/docs/json`);
    expect(docs.status).toBe(200);
    openApi = (await docs.json()) as OpenApiDocument;
    headBefore = await eventStoreOf(running).headPosition();
    eventsBefore = (await allEvents(running)).length;
    idempotencyRowsBefore = await idempotencyRows();
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  const idempotencyRows = async () => {
    // The embedded store's own database, where the idempotency replies are kept.
    const sql = running.app.get<SqlEventStore>(EVENT_STORE).client;
    const { rows } = await sql.query<{ n: string }>('SELECT count(*)::text AS n FROM idempotency_keys');
    return Number(rows[0].n);
  };

  // ---------------------------------------------------------------- the hostile values

  /** A value for a string slot: text that is fine in JSON or a URL, or raw bytes spliced in as they are. */
  type Hostile = { name: string; text?: string; bytes?: Buffer };
  const overLong = (limit: number): Hostile => ({ name: `${limit + 1} characters`, text: 'x'.repeat(limit + 1) });
  const BODY_VALUES: Hostile[] = [
    { name: 'NUL', text: 'a\u0000b' },
    { name: 'lone surrogate (escaped)', text: 'a\ud800b' },
    { name: 'lone low surrogate (escaped)', text: '\udfff' },
    { name: 'byte 0xFF', bytes: Buffer.from([0x61, 0xff, 0x62]) },
    { name: 'UTF-8 of a surrogate (ED A0 80)', bytes: Buffer.from([0xed, 0xa0, 0x80]) },
    overLong(INPUT_LIMITS.bodyString),
  ];
  // Path and query values go percent-encoded, as a client must send them.
  const urlValues = (limit: number, nul: string): Hostile[] => [
    { name: '%00', text: nul },
    { name: '%ED%A0%80 (a surrogate)', text: 'a%ED%A0%80' },
    { name: '%FF', text: 'a%FFb' },
    { name: 'a truncated sequence', text: 'a%E2%82' },
    overLong(limit),
  ];
  // Each NUL value is otherwise one its route takes (a stream id; a category has no '-').
  const PATH_VALUES = urlValues(INPUT_LIMITS.pathParam, 'Wallet-%00x');
  const QUERY_VALUES = [...urlValues(INPUT_LIMITS.queryValue, 'Wal%00let'), { name: 'bare %', text: 'a%' }];
  const HEADER_VALUES: Hostile[] = [
    { name: 'NUL', bytes: Buffer.from('a\u0000b', 'latin1') },
    { name: 'byte 0xFF', bytes: Buffer.from([0x61, 0xff, 0x62]) },
    { name: 'UTF-8 of a surrogate (ED A0 80)', bytes: Buffer.from([0xed, 0xa0, 0x80]) },
    { name: 'latin1 é (not UTF-8)', bytes: Buffer.from([0x63, 0x6c, 0xe9]) },
    overLong(INPUT_LIMITS.headerValue),
  ];

  // ---------------------------------------------------------------- the walk over the OpenAPI document

  type Schema = {
    type?: string;
    format?: string;
    properties?: Record<string, Schema>;
    items?: Schema;
    additionalProperties?: Schema | boolean;
    anyOf?: Schema[];
    oneOf?: Schema[];
    $ref?: string;
    definitions?: Record<string, Schema>;
  };
  type Parameter = { in: string; name: string };
  type Operation = {
    parameters?: Parameter[];
    requestBody?: { content: Record<string, { schema: Schema }> };
    security?: Record<string, string[]>[];
  };
  type OpenApiDocument = {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> };
  };
  type Request = { method: string; path: string; headers: Record<string, string | Buffer>; body?: Buffer };
  type Case = { name: string; request: Request };

  /** A value for each path parameter that names something real where it can, so only the hostile part is wrong. */
  const pathValue = (name: string): string =>
    ({ concertId, scheduleId, reservationId, streamId: `Wallet-${alice.userId}`, jobId: 'job-1' })[name] ?? 'x';

  /** A body the schema would take, with a marker in each string slot; `slots` lists where they are. */
  function sample(schema: Schema, root: Schema, path: string, slots: string[], depth = 0): unknown {
    if (schema.$ref) {
      const name = schema.$ref.split('/').pop()!;
      return sample(root.definitions?.[name] ?? {}, root, path, slots, depth + 1);
    }
    if (schema.anyOf || schema.oneOf) return sample((schema.anyOf ?? schema.oneOf)![0], root, path, slots, depth);
    if (depth > 6) return null;
    switch (schema.type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(schema.properties ?? {})) {
          out[key] = sample(property, root, path ? `${path}.${key}` : key, slots, depth + 1);
        }
        if (typeof schema.additionalProperties === 'object') {
          out.extra = sample(schema.additionalProperties, root, path ? `${path}.extra` : 'extra', slots, depth + 1);
        }
        return out;
      }
      case 'array':
        return [sample(schema.items ?? {}, root, `${path}.0`, slots, depth + 1)];
      case 'integer':
      case 'number':
        return 1;
      case 'boolean':
        return true;
      case 'string':
        slots.push(path);
        return schema.format === 'date-time' ? '2027-01-01T19:00:00Z' : 'abcdef';
      default:
        return null;
    }
  }

  const MARK = '\u0001HOSTILE\u0001';
  /** The JSON text of `body` with the string at `slot` replaced by the hostile value (raw bytes spliced in). */
  function bodyWith(body: unknown, slot: string, value: Hostile): Buffer {
    const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    const parts = slot.split('.');
    let at: Record<string, unknown> = copy;
    for (const part of parts.slice(0, -1)) at = at[part] as Record<string, unknown>;
    at[parts[parts.length - 1]] = value.text ?? MARK;
    const json = JSON.stringify(copy);
    if (value.text !== undefined) return Buffer.from(json);
    const [before, after] = json.split(JSON.stringify(MARK).slice(1, -1));
    return Buffer.concat([Buffer.from(before), value.bytes!, Buffer.from(after)]);
  }

  /** Every route's every string slot with every hostile value, from the document the service publishes. */
  function casesFrom(document: OpenApiDocument): Case[] {
    const credentialHeaders = Object.values(document.components.securitySchemes)
      .filter((scheme) => scheme.type === 'apiKey' && scheme.in === 'header')
      .map((scheme) => scheme.name!.toLowerCase());
    const cases: Case[] = [];
    for (const [template, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const route = `${method.toUpperCase()} ${template}`;
        const parameters = operation.parameters ?? [];
        const pathParams = parameters.filter((p) => p.in === 'path').map((p) => p.name);
        const queryParams = parameters.filter((p) => p.in === 'query').map((p) => p.name);
        // The route's credentials are all valid, so a hostile value is the only thing wrong with a request.
        const headers: Record<string, string> = {
          authorization: `Bearer ${alice.accessToken}`,
          'x-queue-token': alice.queueToken,
          'x-admin-key': ADMIN_KEY,
        };
        const headerSlots = new Set([
          'authorization',
          ...credentialHeaders,
          ...parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
          ...(method === 'post' ? ['idempotency-key'] : []),
        ]);
        const urlOf = (params: Record<string, string>, query = '') =>
          template.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? encodeURIComponent(pathValue(name))) +
          query;
        const schema = operation.requestBody?.content['application/json']?.schema;
        const slots: string[] = [];
        const body = schema ? sample(schema, schema, '', slots) : undefined;
        const bodyBytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const jsonHeaders = bodyBytes ? { ...headers, 'content-type': 'application/json' } : headers;
        const plain = (
          path: string,
          extra: Record<string, string | Buffer> = {},
          payload: Buffer | undefined = bodyBytes,
        ): Request => ({
          method: method.toUpperCase(),
          path,
          headers: { ...jsonHeaders, ...extra },
          body: payload,
        });

        for (const slot of slots) {
          for (const value of BODY_VALUES) {
            cases.push({
              name: `${route} body ${slot}: ${value.name}`,
              request: plain(urlOf({}), {}, bodyWith(body, slot, value)),
            });
          }
        }
        if (body !== undefined && typeof body === 'object') {
          // An object key is a string from the body too.
          cases.push({
            name: `${route} body key: NUL`,
            request: plain(urlOf({}), {}, Buffer.from(JSON.stringify({ ...body, 'k\u0000': 1 }))),
          });
        }
        for (const name of pathParams) {
          for (const value of PATH_VALUES) {
            cases.push({
              name: `${route} path ${name}: ${value.name}`,
              request: plain(urlOf({ [name]: value.text! })),
            });
          }
        }
        for (const name of queryParams) {
          for (const value of QUERY_VALUES) {
            cases.push({
              name: `${route} query ${name}: ${value.name}`,
              request: plain(urlOf({}, `?${name}=${value.text!}`)),
            });
          }
        }
        for (const name of headerSlots) {
          for (const value of HEADER_VALUES) {
            cases.push({
              name: `${route} header ${name}: ${value.name}`,
              request: plain(urlOf({}), { [name]: value.bytes ?? value.text! }),
            });
          }
        }
      }
    }
    return cases;
  }

  // ---------------------------------------------------------------- raw HTTP, so that every byte goes as given

  type Answer = { status: number; contentType: string; body: string };

  function send(request: Request): Promise<Answer> {
    const port = Number(new URL(running.url).port);
    const head = [
      Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n`),
      ...Object.entries(request.headers).map(([name, value]) =>
        Buffer.concat([
          Buffer.from(`${name}: `),
          Buffer.isBuffer(value) ? value : Buffer.from(value),
          Buffer.from('\r\n'),
        ]),
      ),
      Buffer.from(request.body ? `content-length: ${request.body.length}\r\n\r\n` : '\r\n'),
    ];
    const bytes = Buffer.concat([...head, ...(request.body ? [request.body] : [])]);
    return new Promise<Answer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      // Written, not ended: a half-closed socket lets Node drop a response still being made. The server closes it.
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks))));
    });
  }

  function parseAnswer(raw: Buffer): Answer {
    const text = raw.toString('utf8');
    const split = text.indexOf('\r\n\r\n');
    const head = text.slice(0, split);
    let body = text.slice(split + 4);
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      let decoded = '';
      for (let at = 0; ;) {
        const end = body.indexOf('\r\n', at);
        const size = parseInt(body.slice(at, end), 16);
        if (!size) break;
        decoded += body.slice(end + 2, end + 2 + size);
        at = end + 2 + size + 2;
      }
      body = decoded;
    }
    const status = Number(head.split(' ')[1]);
    const contentType = /\r\ncontent-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '';
    return { status, contentType, body };
  }

  /** What was wrong with an answer to a hostile request, or undefined when it is the clean 400 it should be. */
  function wrongWith(answer: Answer): string | undefined {
    let problem: Record<string, unknown> | undefined;
    try {
      problem = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      return `${answer.status} with a body that is not JSON: ${answer.body.slice(0, 120)}`;
    }
    const summary = `${answer.status} ${String(problem.code)}: ${String(problem.detail).slice(0, 120)}`;
    if (answer.status !== 400 || problem.code !== 'VALIDATION_FAILED') return summary;
    if (!/^application\/problem\+json/.test(answer.contentType)) return `${summary} as ${answer.contentType}`;
    for (const member of ['type', 'title', 'detail', 'code']) {
      if (typeof problem[member] !== 'string') return `${summary} without a string ${member}`;
    }
    if (problem.status !== 400) return `${summary} whose status member is ${String(problem.status)}`;
    if (STACK_TRACE.test(answer.body)) return `${summary} showing internals`;
    return undefined;
  }

  // ---------------------------------------------------------------- the tests

  it('refuses every hostile string in every slot of every documented route with 400 VALIDATION_FAILED', async () => {
    const cases = casesFrom(openApi);
    // The walk really covers the routes the issue names, in each kind of slot.
    const names = cases.map((c) => c.name);
    for (const expected of [
      'POST /v1/auth/login body username: NUL',
      'POST /v1/auth/signup body password: lone surrogate (escaped)',
      'POST /v1/admin/concerts body title: NUL',
      'POST /v1/admin/concerts body schedules.0.startsAt: byte 0xFF',
      'POST /v1/admin/events/import body events.0.metadata.extra: NUL',
      'POST /v1/reservations body seatIds.0: UTF-8 of a surrogate (ED A0 80)',
      'GET /v1/admin/events/streams/{streamId} path streamId: %00',
      'GET /v1/admin/events query category: %00',
      'GET /v1/admin/events query type: %FF',
      'GET /v1/reservations/{reservationId} path reservationId: %ED%A0%80 (a surrogate)',
      'POST /v1/wallet/charge header idempotency-key: NUL',
      'POST /v1/reservations header x-queue-token: byte 0xFF',
      'GET /v1/queue/status header x-queue-token: 8193 characters',
      'GET /v1/concerts header authorization: latin1 é (not UTF-8)',
    ]) {
      expect(names).toContain(expected);
    }
    expect(new Set(cases.map((c) => c.name.split(' ').slice(0, 2).join(' '))).size).toBe(
      Object.values(openApi.paths).reduce((n, operations) => n + Object.keys(operations).length, 0),
    );

    const failures: string[] = [];
    for (const testCase of cases) {
      const wrong = wrongWith(await send(testCase.request));
      if (wrong !== undefined) failures.push(`${testCase.name} → ${wrong}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers the cases of the issue with 400 VALIDATION_FAILED (they were 500 INTERNAL_ERROR)', async () => {
    const admin = { 'x-admin-key': ADMIN_KEY };
    const json = { 'content-type': 'application/json' };
    const cases: Request[] = [
      {
        method: 'POST',
        path: '/v1/auth/login',
        headers: json,
        body: Buffer.from(JSON.stringify({ username: 'nobody\u0000', password: 'long enough pw' })),
      },
      {
        method: 'POST',
        path: '/v1/admin/concerts',
        headers: { ...admin, ...json },
        body: Buffer.from(
          JSON.stringify({
            title: 'Bad\u0000title',
            schedules: [{ startsAt: '2027-01-01T19:00:00Z', seats: [{ seatNo: 1, price: 1 }] }],
          }),
        ),
      },
      { method: 'GET', path: '/v1/admin/events/streams/Wallet-%00x', headers: admin },
      { method: 'GET', path: '/v1/admin/events?category=Wal%00let', headers: admin },
      { method: 'GET', path: '/v1/admin/events?type=a%00b', headers: admin },
    ];
    for (const request of cases) {
      const answer = await send(request);
      expect({ request: `${request.method} ${request.path}`, wrong: wrongWith(answer) }).toEqual({
        request: `${request.method} ${request.path}`,
        wrong: undefined,
      });
    }
  });

  it('refuses a JSON body that repeats a key, at any depth', async () => {
    const bearer = { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' };
    const active = { ...bearer, 'x-queue-token': alice.queueToken };
    const cases: Request[] = [
      // Last key wins in JSON.parse: this charged 1.
      { method: 'POST', path: '/v1/wallet/charge', headers: bearer, body: Buffer.from('{"amount":-5,"amount":1}') },
      {
        method: 'POST',
        path: '/v1/reservations',
        headers: active,
        body: Buffer.from(`{"scheduleId":"${scheduleId}","seatIds":["${seatIds[1]}"],"seatIds":["${seatIds[2]}"]}`),
      },
      {
        method: 'POST',
        path: '/v1/wallet/charge',
        headers: { ...bearer, 'idempotency-key': 'dup-key-1' },
        body: Buffer.from('{"amount":1,"\\u0061mount":2}'),
      },
      {
        method: 'POST',
        path: '/v1/admin/concerts',
        headers: { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' },
        body: Buffer.from(
          '{"title":"T","schedules":[{"startsAt":"2027-01-01T19:00:00Z","seats":[{"seatNo":1,"price":5,"price":0}]}]}',
        ),
      },
    ];
    for (const request of cases) {
      const answer = await send(request);
      expect({ body: request.body!.toString(), wrong: wrongWith(answer) }).toEqual({
        body: request.body!.toString(),
        wrong: undefined,
      });
      expect(JSON.parse(answer.body).detail).toMatch(/repeats the key "(amount|seatIds|price)"/);
    }
    const wallet = await alice.call('GET', '/v1/wallet');
    expect(wallet.body).toEqual({ balance: 0 });
  });

  it('applies the signup rule for a username on login too', async () => {
    for (const username of ['ab', 'x'.repeat(33), 'bad name!', 'clé']) {
      const answer = await send({
        method: 'POST',
        path: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ username, password: 'long enough pw' })),
      });
      expect({ username, wrong: wrongWith(answer) }).toEqual({ username, wrong: undefined });
    }
  });

  it('wrote nothing: the head, the log and the idempotency records are as they were', async () => {
    expect(await eventStoreOf(running).headPosition()).toBe(headBefore);
    expect((await allEvents(running)).length).toBe(eventsBefore);
    expect(await idempotencyRows()).toBe(idempotencyRowsBefore);
    // Positive control: a well-formed command does move the head, so the comparisons above can fail.
    const charged = await alice.charge(100, 'positive-control');
    expect(charged.status).toBe(200);
    expect(await eventStoreOf(running).headPosition()).toBeGreaterThan(headBefore);
    expect(await idempotencyRows()).toBe(idempotencyRowsBefore + 1);
  });
});
