import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

type Script = 'redis' | 'ferretdb' | 'kafka';
const ROOT = resolve(__dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * A Redis or FerretDB server of this suite's own, started and stopped through
 * the same infra/ scripts CI uses, so a fault test can take it down without
 * disturbing the servers every other suite shares.
 */
export class PrivateService {
  private constructor(
    private readonly script: Script,
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(script: Script): Promise<PrivateService> {
    const dir = mkdtempSync(join(tmpdir(), `${script}-`));
    const sharedInfra = process.env.INFRA_DIR ?? join(ROOT, '.infra');
    const env = {
      ...process.env,
      INFRA_DIR: dir,
      REDIS_PORT: String(await freePort()),
      MONGO_PORT: String(await freePort()),
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      // The jars CI already fetched.
      KAFKA_LIBS: process.env.KAFKA_LIBS ?? join(sharedInfra, 'kafka', 'libs'),
      // The FerretDB binary CI already built; the script builds one only if it is missing.
      FERRETDB_BIN: process.env.FERRETDB_BIN ?? join(sharedInfra, 'bin', 'ferretdb'),
      // Its own SQLite files: a second FerretDB on the shared PostgreSQL database would fight over its metadata.
      FERRETDB_POSTGRESQL_URL: '',
    };
    const service = new PrivateService(script, env, dir, '');
    const url = await service.command('start');
    return new PrivateService(script, env, dir, url);
  }

  /** Runs `infra/<script>.sh <action>` and returns its last output line. */
  async command(action: 'start' | 'stop'): Promise<string> {
    const { stdout } = await run('bash', [join(ROOT, 'infra', `${this.script}.sh`), action], {
      env: this.env,
      timeout: 300_000,
    });
    return stdout.trim().split('\n').pop() ?? '';
  }

  /** SIGKILL, as a crash would: no shutdown hook runs. */
  kill(): void {
    const pid = Number(readFileSync(join(this.dir, this.script, `${this.script}.pid`), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.command('stop').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
