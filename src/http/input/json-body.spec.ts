import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../shared/domain-error';
import { jsonBodyParser, structureProblem } from './json-body';

describe('structureProblem (JSON text that already parses)', () => {
  it.each([
    ['{"amount":-5,"amount":1}', 'amount'],
    ['{"scheduleId":"s","seatIds":["a"],"seatIds":["b"]}', 'seatIds'],
    ['{"a":{"b":1,"b":2}}', 'b'],
    ['[{"x":1},{"y":1,"y":1}]', 'y'],
    ['{"events":[{"data":{"deep":[{"k":1,"k":2}]}}]}', 'k'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{ "a" : 1 , "a" : 1 }', 'a'],
    ['{"":1,"":2}', ''],
  ])('refuses a repeated key: %s', (text, key) => {
    expect(structureProblem(text)).toBe(`the JSON body repeats the key ${JSON.stringify(key)} in one object`);
  });

  it('finds a repeat among many keys (past the small-object list)', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(structureProblem(`{${keys.join(',')}}`)).toBeUndefined();
    expect(structureProblem(`{${keys.join(',')},"k3":0}`)).toMatch(/"k3"/);
  });

  it.each([
    ['{"a":1,"b":1}'],
    ['{"a":{"a":{"a":1}}}'], // the same key in nested objects is not a repeat
    ['[{"a":1},{"a":2}]'], // nor in sibling objects
    ['{"a":"b","b":"a"}'], // a string value that equals a key is a value
    ['{"a":["a","a"],"b":1}'],
    ['{"s":"quote \\" and \\\\","s2":"\\\\"}'], // escaped quotes and backslashes inside strings
    ['{"t":"{\\"a\\":1,\\"a\\":2}"}'], // JSON inside a string is text
    ['{"startsAt":"2027-01-01T19:00:00Z","a,b":"c:d"}'], // commas and colons inside strings
    ['"a string"'],
    ['42'],
    ['[]'],
    ['{}'],
  ])('accepts %s', (text) => {
    expect(structureProblem(text)).toBeUndefined();
  });

  it('refuses nesting past the limit, objects and arrays alike', () => {
    expect(structureProblem('[[[1]]]', 3)).toBeUndefined();
    expect(structureProblem('[[[[1]]]]', 3)).toBe('the JSON body nests deeper than 3 levels');
    expect(structureProblem('{"a":{"b":{"c":{}}}}', 3)).toMatch(/nests deeper/);
    expect(structureProblem('['.repeat(100_000) + ']'.repeat(100_000))).toMatch(/nests deeper than 64/);
  });

  it('does not echo a long or hostile key in full', () => {
    const long = 'k'.repeat(500);
    const detail = structureProblem(`{"${long}":1,"${long}":2}`)!;
    expect(detail.length).toBeLessThan(150);
    expect(structureProblem('{"a\\u0000":1,"a\\u0000":2}')).toContain('"a\\u0000"');
  });
});

describe('jsonBodyParser on a Fastify instance', () => {
  let fastify: FastifyInstance;
  beforeAll(async () => {
    // The same Fastify the app runs on, reached through the adapter (fastify is not a direct dependency).
    fastify = new FastifyAdapter({ bodyLimit: 1024 }).getInstance();
    fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(fastify));
    fastify.setErrorHandler((error, _request, reply) => {
      if (error instanceof DomainError) return reply.status(400).send({ code: error.code, detail: error.detail });
      const { statusCode, code } = error as { statusCode?: number; code?: string };
      return reply.status(statusCode ?? 500).send({ code });
    });
    fastify.post('/echo', async (request) => ({ body: request.body }));
    fastify.post('/big', { bodyLimit: 4096 }, async (request) => ({ size: JSON.stringify(request.body).length }));
    await fastify.ready();
  });
  afterAll(() => fastify.close());

  const post = (payload: string | Buffer, url = '/echo', contentType = 'application/json') =>
    fastify.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

  it('parses valid JSON as before, whatever the charset parameter', async () => {
    const res = await post('{"scheduleId":"s","seatIds":["a","b"]}', '/echo', 'application/json; charset=utf-8');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ body: { scheduleId: 's', seatIds: ['a', 'b'] } });
    expect((await post('{"title":"Café 東京 🎫"}')).json()).toEqual({ body: { title: 'Café 東京 🎫' } });
  });

  it('refuses a repeated key with VALIDATION_FAILED', async () => {
    const res = await post('{"amount":-5,"amount":1}');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 'VALIDATION_FAILED',
      detail: 'the JSON body repeats the key "amount" in one object',
    });
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d])],
    ['0xFF', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')])],
    [
      'an encoded surrogate (ED A0 80)',
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    ],
    ['a truncated sequence', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')])],
  ])('refuses bytes that are not UTF-8: %s', async (_name, payload) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'VALIDATION_FAILED', detail: 'request body is not well-formed UTF-8' });
  });

  it("keeps Fastify's own answers: empty body, invalid JSON, prototype poisoning, body limits", async () => {
    expect((await post('')).json()).toEqual({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
    expect((await post('{"a":')).json()).toEqual({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    expect((await post('{"a":1,"__proto__":{"admin":true}}')).statusCode).toBe(400);
    expect((await post('{"a":1,"constructor":{"prototype":{"admin":true}}}')).statusCode).toBe(400);
    const over = JSON.stringify({ pad: 'x'.repeat(2000) });
    expect((await post(over)).statusCode).toBe(413);
    // A route's own limit still wins over the parser's (the admin routes' 16 MiB).
    expect((await post(over, '/big')).json()).toEqual({ size: over.length });
  });

  it('answers invalid JSON before looking for repeated keys', async () => {
    expect((await post('{"a":1,"a":2')).json()).toEqual({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });
});
