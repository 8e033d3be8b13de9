import { createEdgeTestApp, EdgeTestApp } from './testing/edge-test-app';

describe('OpenAPI at /docs', () => {
  let edge: EdgeTestApp;
  beforeAll(async () => {
    edge = await createEdgeTestApp({ openApi: true });
  });
  afterAll(async () => {
    await edge.app.close();
    await edge.sql.close();
  });

  it('serves the document at /docs/json with the three security schemes', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.info).toMatchObject({ title: expect.any(String), version: '1' });
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      'admin-key': { type: 'apiKey', in: 'header', name: 'X-Admin-Key' },
      'queue-token': { type: 'apiKey', in: 'header', name: 'X-Queue-Token' },
    });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it('gives each operation the security its decorators ask for', async () => {
    const { paths } = (await edge.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(paths['/health'].get.security).toEqual([]);
    expect(paths['/v1/admin/things'].post.security).toEqual([{ 'admin-key': [] }]);
    expect(paths['/v1/queue-things'].get.security).toEqual([{ bearer: [], 'queue-token': [] }]);
    expect(paths['/v1/things/{id}'].get.security).toBeUndefined(); // falls back to the global bearer
    expect(JSON.stringify(paths)).not.toContain('x-public');
  });

  it('documents a @ZodBody request body from its zod schema', async () => {
    const { paths } = (await edge.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const schema = paths['/v1/things'].post.requestBody.content['application/json'].schema;
    expect(schema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string', minLength: 1 }, qty: { type: 'integer' } },
      required: ['name', 'qty'],
      additionalProperties: false,
    });
  });

  it('serves the UI and its assets without a token', async () => {
    const page = await edge.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const asset = await edge.app.inject({ method: 'GET', url: '/docs/swagger-ui-bundle.js' });
    expect(asset.statusCode).toBe(200);
  });
});
