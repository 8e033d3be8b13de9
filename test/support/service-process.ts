import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { GENEROUS_AUTH_THROTTLES } from './app';
import { freePort } from './private-services';

const ROOT = join(__dirname, '..', '..');

export type ServiceProcess = {
  readonly url: string;
  readonly pid: number;
  /** SIGKILL: no shutdown hook runs, leases are left to expire, as in a crash. */
  kill(): Promise<void>;
};

/** The service as a process of its own, from the TypeScript sources, with `env` on top of ours. */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', join(ROOT, 'test', 'support', 'ts-register.js'), join(ROOT, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        ...GENEROUS_AUTH_THROTTLES,
        ...process.env,
        LOG_LEVEL: 'warn',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service process exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('service process did not become ready in 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
