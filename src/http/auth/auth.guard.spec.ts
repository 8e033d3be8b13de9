import { TokenService } from './token.service';
import { ADMIN_KEY, createEdgeTestApp, EdgeTestApp } from '../testing/edge-test-app';

describe('AuthGuard and the auth decorators', () => {
  let edge: EdgeTestApp;
  let tokens: TokenService;
  beforeAll(async () => {
    edge = await createEdgeTestApp();
    tokens = edge.app.get(TokenService);
  });
  afterAll(async () => {
    await edge.app.close();
    await edge.sql.close();
  });

  const bearer = (userId: string) => ({
    authorization: `Bearer ${tokens.signAccess({ userId, username: userId }).accessToken}`,
  });

  it('requires a bearer token on routes not marked public', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/v1/things/t-1' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('refuses a malformed or invalid bearer token', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-token']) {
      const res = await edge.app.inject({ method: 'GET', url: '/v1/things/t-1', headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    }
  });

  it('hands the verified user to @CurrentUser()', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/v1/things/t-7', headers: bearer('user-42') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 't-7', userId: 'user-42' });
  });

  it('refuses a validly signed token whose user does not exist (in the edge app, user u-1 is named u-1)', async () => {
    for (const claims of [
      { userId: 'ghost-1', username: 'u-1' },
      { userId: 'u-1', username: 'nobody' },
    ]) {
      const authorization = `Bearer ${tokens.signAccess(claims).accessToken}`;
      const res = await edge.app.inject({ method: 'GET', url: '/v1/things/t-1', headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    }
  });

  it('opens @Public() routes to anyone', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
  });

  it('lets @AdminOnly() routes in with the right X-Admin-Key only', async () => {
    const ok = await edge.app.inject({
      method: 'POST',
      url: '/v1/admin/things',
      headers: { 'x-admin-key': ADMIN_KEY },
      payload: {},
    });
    expect(ok.statusCode).toBe(200);
    for (const headers of [{}, { 'x-admin-key': 'wrong' }, { 'x-admin-key': `${ADMIN_KEY}x` }, bearer('user-1')]) {
      const res = await edge.app.inject({ method: 'POST', url: '/v1/admin/things', headers, payload: {} });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('ADMIN_KEY_INVALID');
    }
  });

  describe('@QueueToken()', () => {
    const queueToken = (userId: string) => tokens.signQueue({ userId, concertId: 'c-1', entryId: `e-${userId}` });

    it('yields the claims of the caller’s own queue token', async () => {
      const res = await edge.app.inject({
        method: 'GET',
        url: '/v1/queue-things',
        headers: { ...bearer('u-1'), 'x-queue-token': queueToken('u-1') },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ userId: 'u-1', concertId: 'c-1', entryId: 'e-u-1' });
    });

    it('treats a missing, forged, access or other user’s token as 401 INVALID_QUEUE_TOKEN', async () => {
      const cases = [
        {},
        { 'x-queue-token': 'garbage' },
        { 'x-queue-token': tokens.signAccess({ userId: 'u-1', username: 'u-1' }).accessToken },
        { 'x-queue-token': queueToken('u-2') },
      ];
      for (const extra of cases) {
        const res = await edge.app.inject({
          method: 'GET',
          url: '/v1/queue-things',
          headers: { ...bearer('u-1'), ...extra },
        });
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe('INVALID_QUEUE_TOKEN');
      }
    });

    it('still needs the bearer token first', async () => {
      const res = await edge.app.inject({
        method: 'GET',
        url: '/v1/queue-things',
        headers: { 'x-queue-token': queueToken('u-1') },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    });
  });
});
