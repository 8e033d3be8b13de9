import { Logger } from '@nestjs/common';
import { ErrorCode } from '../shared/domain-error';
import { TokenService } from './auth/token.service';
import { ADMIN_BODY_LIMIT, BODY_LIMIT } from './problem.filter';
import { STATUS_BY_CODE } from './problem';
import { ADMIN_KEY, createEdgeTestApp, EdgeTestApp } from './testing/edge-test-app';

describe('problem+json for every failure', () => {
  let edge: EdgeTestApp;
  beforeAll(async () => {
    edge = await createEdgeTestApp();
  });
  afterAll(async () => {
    await edge.app.close();
    await edge.sql.close();
  });

  const inject = (opts: Parameters<EdgeTestApp['app']['inject']>[0]) => edge.app.inject(opts);

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const res = await inject({ method: 'GET', url: '/v1/nowhere' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      title: 'Not found',
      type: expect.stringContaining('not-found'),
    });
  });

  it.each(Object.entries(STATUS_BY_CODE) as [ErrorCode, number][])(
    'maps DomainError %s to %i',
    async (code, status) => {
      const res = await inject({ method: 'GET', url: `/v1/public/fail/${code}` });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      // Extra members ride along but cannot overwrite the core ones.
      expect(res.json()).toEqual({
        type: expect.any(String),
        title: expect.any(String),
        status,
        detail: `failed with ${code}`,
        code,
        hint: 'extra member',
      });
      expect(Object.keys(res.json())).toEqual(['type', 'title', 'status', 'detail', 'code', 'hint']);
      // Unavailable and throttled answers say when to come back.
      if (status === 503 || status === 429) expect(res.headers['retry-after']).toBe('1');
      else expect(res.headers['retry-after']).toBeUndefined();
    },
  );

  it('hides an unexpected error behind a generic 500 and logs it', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const res = await inject({ method: 'GET', url: '/v1/public/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(res.body).not.toMatch(/hunter2|db\.internal|at .*\.ts/);
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining('GET /v1/public/boom'),
      expect.stringContaining('hunter2'),
    );
    logged.mockRestore();
  });

  it('refuses a body over 64 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await inject({ method: 'POST', url: '/v1/public/echo', payload: { blob: 'x'.repeat(BODY_LIMIT) } });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('lets admin routes take up to 16 MiB, and no more', async () => {
    const headers = { 'x-admin-key': ADMIN_KEY };
    const big = await inject({
      method: 'POST',
      url: '/v1/admin/things',
      headers,
      payload: { blob: 'x'.repeat(1024 * 1024) },
    });
    expect(big.statusCode).toBe(200);
    expect(big.json().received).toBeGreaterThan(1024 * 1024);
    const huge = await inject({
      method: 'POST',
      url: '/v1/admin/things',
      headers,
      payload: { blob: 'x'.repeat(ADMIN_BODY_LIMIT) },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/public/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('answers an empty JSON body with 400 VALIDATION_FAILED', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/public/echo',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('answers a non-JSON content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/public/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('reports zod issues with their paths and rejects unknown fields', async () => {
    const access = new TokenService(edge.config).signAccess({ userId: 'user-1', username: 'user-1' }).accessToken;
    const res = await inject({
      method: 'POST',
      url: '/v1/things',
      headers: { authorization: `Bearer ${access}` },
      payload: { name: '', qty: 1.5, colour: 'red' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'name', message: expect.any(String) },
        { path: 'qty', message: expect.any(String) },
        { path: '', message: 'unknown field(s): colour' },
      ]),
    );
    expect(body.detail).toContain('qty');
  });
});
