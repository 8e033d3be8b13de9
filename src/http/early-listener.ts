import { Worker } from 'node:worker_threads';

/**
 * The port, opened before the framework is loaded: loading it blocks the
 * main thread for seconds on a busy machine, longer than a liveness probe
 * waits. A worker thread (node:http only, up in milliseconds) answers
 * /health 200 and everything else 503 STARTING with Retry-After until the
 * application takes the port over.
 */
export class EarlyListener {
  private worker: Worker | undefined;

  listen(port: number, host: string): Promise<void> {
    const worker = new Worker(EARLY_SERVER, { eval: true, workerData: { port, host } });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: { listening?: boolean; error?: string }) => {
        if (message.listening) return resolve();
        this.worker = undefined;
        void worker.terminate();
        reject(new Error(message.error));
      });
    });
  }

  /** Frees the port for the application (connections it still holds are closed). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
    worker.postMessage('close');
    await closed;
    await worker.terminate();
  }
}

const EARLY_SERVER = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const problem = JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503,
  detail: 'the service is starting', code: 'STARTING' });
const server = createServer((request, response) => {
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' };
  if (request.method === 'GET' && /^\\/health(\\?|$)/.test(request.url)) {
    response.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify({ status: 'ok' }));
  } else {
    response.writeHead(503, { ...headers, 'content-type': 'application/problem+json', 'retry-after': '1' });
    response.end(problem);
  }
});
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port, workerData.host, () => parentPort.postMessage({ listening: true }));
parentPort.on('message', () => {
  server.close(() => parentPort.postMessage({ closed: true }));
  server.closeAllConnections();
});
`;
