import { Logger } from '@nestjs/common';
import { TokenService } from '../auth/token.service';
import { createEdgeTestApp, EdgeTestApp } from '../testing/edge-test-app';

describe('Idempotency-Key on POST', () => {
  let edge: EdgeTestApp;
  let bearer: (userId: string) => Record<string, string>;
  beforeAll(async () => {
    edge = await createEdgeTestApp();
    const tokens = edge.app.get(TokenService);
    bearer = (userId) => ({ authorization: `Bearer ${tokens.signAccess({ userId, username: userId }).accessToken}` });
  });
  afterAll(async () => {
    await edge.app.close();
    await edge.sql.close();
  });

  const post = (url: string, key: string | undefined, payload: object, userId = 'u-1', app = edge.app) =>
    app.inject({
      method: 'POST',
      url,
      payload,
      headers: { ...bearer(userId), ...(key === undefined ? {} : { 'idempotency-key': key }) },
    });

  it('replays the first status, body and X-Event-Position without calling the handler again', async () => {
    const first = await post('/v1/things', 'key-replay', { name: 'a', qty: 1 });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('/v1/things', 'key-replay', { qty: 1, name: 'a' }); // same JSON, other key order
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.headers['x-event-position']).toBe(first.headers['x-event-position']);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(edge.calls.of('create')).toBe(1);
    expect(first.json()).toMatchObject({ thingId: 't-1', key: 'key-replay' });
  });

  it('refuses the same key with a different body as 422 IDEMPOTENCY_KEY_REUSED', async () => {
    await post('/v1/things', 'key-reused', { name: 'a', qty: 1 });
    const before = edge.calls.of('create');
    const res = await post('/v1/things', 'key-reused', { name: 'a', qty: 2 });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(edge.calls.of('create')).toBe(before);
  });

  it('keeps each user’s keys apart', async () => {
    const mine = await post('/v1/things', 'shared-key', { name: 'a', qty: 1 }, 'u-1');
    const theirs = await post('/v1/things', 'shared-key', { name: 'a', qty: 1 }, 'u-2');
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().thingId).not.toBe(mine.json().thingId);
  });

  it('runs every request without a key', async () => {
    const before = edge.calls.of('create');
    await post('/v1/things', undefined, { name: 'a', qty: 1 });
    await post('/v1/things', undefined, { name: 'a', qty: 1 });
    expect(edge.calls.of('create')).toBe(before + 2);
  });

  it('replays a business refusal (4xx) exactly, problem body included', async () => {
    const first = await post('/v1/things/take', 'key-take', { seatIds: ['s-1', 's-2'] });
    expect(first.statusCode).toBe(409);
    expect(first.json()).toMatchObject({ code: 'SEAT_UNAVAILABLE', seatIds: ['s-1', 's-2'] });
    const again = await post('/v1/things/take', 'key-take', { seatIds: ['s-1', 's-2'] });
    expect(again.statusCode).toBe(409);
    expect(again.body).toBe(first.body);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(edge.calls.of('take')).toBe(1);
  });

  it('forgets a server failure (5xx) so the retry really runs, then replays the success', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const failed = await post('/v1/things/flaky', 'key-flaky', {});
    expect(failed.statusCode).toBe(500);
    const retried = await post('/v1/things/flaky', 'key-flaky', {});
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({ ok: true });
    const replayed = await post('/v1/things/flaky', 'key-flaky', {});
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(edge.calls.of('flaky')).toBe(2);
    logged.mockRestore();
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(129)],
    ['control character', 'bad\u0001key'],
  ])('rejects a %s key with 400 VALIDATION_FAILED', async (_, key) => {
    const before = edge.calls.of('create');
    const res = await post('/v1/things', key, { name: 'a', qty: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(edge.calls.of('create')).toBe(before);
  });

  it('accepts a 128-character key', async () => {
    const res = await post('/v1/things', '~'.repeat(128), { name: 'a', qty: 1 });
    expect(res.statusCode).toBe(201);
  });

  it('survives a restart: a new app over the same database still replays', async () => {
    const first = await post('/v1/things', 'key-restart', { name: 'r', qty: 3 });
    const restarted = await createEdgeTestApp({ sql: edge.sql });
    try {
      const again = await post('/v1/things', 'key-restart', { name: 'r', qty: 3 }, 'u-1', restarted.app);
      expect(again.statusCode).toBe(201);
      expect(again.body).toBe(first.body);
      expect(again.headers['x-event-position']).toBe(first.headers['x-event-position']);
      expect(restarted.calls.of('create')).toBe(0);
    } finally {
      await restarted.app.close();
    }
  });
});
