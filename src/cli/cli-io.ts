import { once } from 'node:events';

/** What a CLI run reads and writes; main.ts passes the process's, tests their own. */
export type CliIo = {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: a following command (events:tail) stops and closes its target. */
  readonly signal: AbortSignal;
  /** Draw progress bars on stderr (a terminal); otherwise only a summary line. */
  readonly progress: boolean;
};

/** Writes and waits when the stream's buffer is full, so a large export never piles up in memory. */
export async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export const writeJson = (stream: NodeJS.WritableStream, value: unknown) =>
  write(stream, `${JSON.stringify(value, null, 2)}\n`);

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
