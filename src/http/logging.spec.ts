import type { IncomingMessage } from 'node:http';
import { loggerModule, requestIdOf, responseLogLevel } from './logging';
import { createEdgeTestApp, EdgeTestApp } from './testing/edge-test-app';

describe('request logging policy', () => {
  it('logs nothing for success, info for client errors, error for server errors', () => {
    expect(responseLogLevel(200)).toBe('silent');
    expect(responseLogLevel(304)).toBe('silent');
    expect(responseLogLevel(404)).toBe('info');
    expect(responseLogLevel(503)).toBe('error');
    expect(responseLogLevel(200, new Error('aborted'))).toBe('error');
  });

  it('keeps a sane caller X-Request-Id and replaces a bad one', () => {
    const request = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage;
    expect(requestIdOf(request('trace-123'))).toBe('trace-123');
    expect(requestIdOf(request('has space\nnewline'))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(request('x'.repeat(129)))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(request())).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('loggerModule in a running app', () => {
  let edge: EdgeTestApp;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const destination = { write: (line: string) => lines.push(JSON.parse(line)) };
    edge = await createEdgeTestApp({ imports: (config) => [loggerModule(config, destination)] });
  });
  afterAll(async () => {
    await edge.app.close();
    await edge.sql.close();
  });
  beforeEach(() => (lines.length = 0));

  it('stays quiet for successful requests', async () => {
    const res = await edge.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(lines).toEqual([]);
  });

  it('logs a refused request as JSON at info, secrets redacted, tagged with the request id', async () => {
    const res = await edge.app.inject({
      method: 'GET',
      url: '/v1/things/t-1',
      headers: { authorization: 'Bearer secret-token', 'x-queue-token': 'secret-queue', 'x-request-id': 'req-abc' },
    });
    expect(res.statusCode).toBe(401);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, req: { id: 'req-abc' }, res: { statusCode: 401 } });
    expect(JSON.stringify(lines[0])).not.toMatch(/secret-token|secret-queue/);
    expect(lines[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', 'x-queue-token': '[redacted]' } },
    });
  });

  it('logs a server error at error level', async () => {
    await edge.app.inject({ method: 'GET', url: '/v1/public/boom' });
    expect(lines.some((line) => line.level === 50 && (line.res as { statusCode: number }).statusCode === 500)).toBe(
      true,
    );
  });
});
