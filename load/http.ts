import { Pool } from 'undici';
import { Recorder } from './recorder';

export type Answer = {
  status: number;
  text: string;
  json<T = unknown>(): T;
  /** X-Event-Position of a command's answer: send it back as X-Min-Position to read the write. */
  eventPosition?: string;
};
export type CallOptions = {
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses that are answers, not failures (a 409 lost race, a 402 empty wallet); default 2xx. */
  expect?: readonly number[];
};

const is2xx = (status: number) => status >= 200 && status < 300;

/**
 * The load generator's HTTP: one undici pool with a connection per VU (as k6
 * gives each VU its own), each request timed from send to last byte and
 * recorded under its step. A transport error is a failed sample with status 0.
 */
export class Http {
  private readonly pool: Pool;

  constructor(
    readonly baseUrl: string,
    connections: number,
    private readonly recorder: Recorder,
  ) {
    this.pool = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 120_000, headersTimeout: 60_000 });
  }

  async call(step: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers =
      options.body === undefined ? options.headers : { ...options.headers, 'content-type': 'application/json' };
    const started = performance.now();
    let status = 0;
    let text = '';
    let eventPosition: string | undefined;
    try {
      const response = await this.pool.request({
        method: method as 'GET',
        path,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      status = response.statusCode;
      const position = response.headers['x-event-position'];
      eventPosition = typeof position === 'string' ? position : undefined;
      text = await response.body.text();
    } catch (error) {
      text = String(error);
    }
    const ok = is2xx(status) || (options.expect?.includes(status) ?? false);
    this.recorder.add(step, performance.now() - started, ok, is2xx(status));
    if (!ok) this.recorder.refused(step, status, text);
    return { status, text, json: () => JSON.parse(text), eventPosition };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
