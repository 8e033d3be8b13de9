import { createEdgeTestApp, EdgeTestApp } from './testing/edge-test-app';

describe('health and readiness', () => {
  let edge: EdgeTestApp;
  beforeAll(async () => {
    edge = await createEdgeTestApp();
  });
  afterAll(async () => {
    await edge.app.close();
    await edge.sql.close();
  });

  it('GET /health is 200 without credentials', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 with the probe’s report when ready', async () => {
    edge.readiness.current = {
      ready: true,
      eventStore: { status: 'up' },
      readModels: { status: 'up' },
      breakers: {},
      projections: { lag: 0 },
    };
    const res = await edge.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      eventStore: { status: 'up' },
      readModels: { status: 'up' },
      breakers: {},
      projections: { lag: 0 },
    });
  });

  it('GET /ready is 503 with the same shape when not ready', async () => {
    edge.readiness.current = {
      ready: false,
      eventStore: { status: 'down' },
      readModels: { status: 'up' },
      breakers: { redis: 'open' },
      projections: { lag: 99 },
    };
    const res = await edge.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      eventStore: { status: 'down' },
      readModels: { status: 'up' },
      breakers: { redis: 'open' },
      projections: { lag: 99 },
    });
  });

  it('GET /ready is 503, not 500, when the probe itself fails', async () => {
    edge.readiness.current = new Error('probe exploded');
    const res = await edge.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(Object.keys(res.json()).sort()).toEqual(['breakers', 'eventStore', 'projections', 'readModels']);
  });
});
