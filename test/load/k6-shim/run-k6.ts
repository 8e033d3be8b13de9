import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import ts from 'typescript';
import { request } from 'undici';
import type { ShimResult, WireRequest, WireResponse } from './vu-worker';

export type { ShimResult };

const K6_DIR = join(__dirname, '..', '..', '..', 'k6');

// Jest transforms only what it requires itself; the worker is transpiled here and started from source.
let workerSource: string | undefined;
const compiledWorker = () =>
  (workerSource ??= ts.transpileModule(readFileSync(join(__dirname, 'vu-worker.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText);

async function perform(wire: WireRequest): Promise<WireResponse> {
  const started = performance.now();
  try {
    const response = await request(wire.url, {
      method: wire.method as 'GET',
      headers: wire.headers,
      body: wire.body ?? undefined,
    });
    const body = await response.body.text();
    const headers = Object.fromEntries(
      Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    );
    return { status: response.statusCode, body, headers, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, body: '', headers: {}, ms: performance.now() - started, error: String(error) };
  }
}

/**
 * Runs a k6 script once (setup, `iterations` x default, teardown) against a
 * real service, its k6 modules shimmed (see vu-worker.ts). `script` is a file
 * name in k6/ or an absolute path.
 */
export async function runK6Script(
  script: string,
  env: Record<string, string>,
  { iterations = 1, maxSleepMs = 50 } = {},
): Promise<ShimResult> {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const flag = new Int32Array(signal);
  port1.on('message', (requests: WireRequest[]) => {
    void Promise.all(requests.map(perform)).then((answers) => {
      port1.postMessage(answers);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
  });
  const worker = new Worker(compiledWorker(), {
    eval: true,
    workerData: {
      script: script.startsWith('/') ? script : join(K6_DIR, script),
      env,
      iterations,
      maxSleepMs,
      port: port2,
      signal,
    },
    transferList: [port2],
    execArgv: ['--experimental-vm-modules', '--no-warnings'],
  });
  try {
    return await new Promise<ShimResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`k6 shim worker exited with ${code} before reporting`)));
    });
  } finally {
    port1.close();
    await worker.terminate();
  }
}

/** Everything that should fail a smoke run, as readable lines (empty when the script matched the API). */
export function problems(result: ShimResult): string[] {
  return [
    ...result.errors,
    ...Object.entries(result.checks)
      .filter(([, c]) => c.fails > 0)
      .map(([name, c]) => `check '${name}' failed ${c.fails} time(s)`),
    ...result.unexpected.map((r) => `unexpected ${r.status} from ${r.method} ${r.url}: ${r.body.slice(0, 200)}`),
  ];
}
