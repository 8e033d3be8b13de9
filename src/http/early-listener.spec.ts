import { createServer } from 'node:net';
import { EarlyListener } from './early-listener';

const port = 40_000 + Math.floor(Math.random() * 20_000);
const url = (path: string) => `http://127.0.0.1:${port}${path}`;

describe('EarlyListener', () => {
  it('answers /health while the service starts, 503 STARTING elsewhere, and frees the port when closed', async () => {
    const early = new EarlyListener();
    await early.listen(port, '127.0.0.1');
    try {
      const health = await fetch(url('/health'));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const other = await fetch(url('/v1/concerts'));
      expect(other.status).toBe(503);
      expect(other.headers.get('content-type')).toBe('application/problem+json');
      expect(other.headers.get('retry-after')).toBe('1');
      expect(await other.json()).toMatchObject({ status: 503, code: 'STARTING' });
    } finally {
      await early.close();
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails to listen on a port already taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port + 1, '127.0.0.1', resolve));
    try {
      await expect(new EarlyListener().listen(port + 1, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
