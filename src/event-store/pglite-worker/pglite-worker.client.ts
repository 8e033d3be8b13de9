import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openLocked } from '../data-dir-lock';
import { SqlClient } from '../sql-client';
import { HostData, HostError, HostReady, HostReply, HostRequest } from './protocol';

type Call = { resolve: (rows: unknown[]) => void; reject: (error: Error) => void };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

// Run from the TypeScript sources (tests), the worker needs the same on-the-fly transpiling as its parent.
const FROM_SOURCES = extname(__filename) === '.ts';
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.register) require(workerData.register);
require(workerData.entry);
`;

const errorFrom = ({ message, code, detail }: HostError) => Object.assign(new Error(message), { code, detail });

/**
 * The embedded store's SQL client with PGlite on a worker thread (see
 * pglite.host.ts): the service's event loop only posts statements and reads
 * rows. DATA_DIR's lock is taken here, on the thread that lives as long as
 * the process (a worker's own lock would not see another worker's). The worker keeps the process alive only while a statement is
 * in flight, as a socket would.
 */
export function openPgliteWorkerClient(dataDir: string | undefined): Promise<SqlClient> {
  return openLocked(dataDir, () => openWorker(dataDir));
}

async function openWorker(dataDir: string | undefined): Promise<SqlClient> {
  const workerData: HostData & { entry: string; register?: string } = {
    dataDir,
    entry: join(__dirname, `pglite.host${extname(__filename)}`),
    register: FROM_SOURCES ? join(__dirname, '..', '..', '..', 'test', 'support', 'ts-register.js') : undefined,
  };
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData });
  let settle: { message(m: HostReady): void; error(e: Error): void; exit(code: number): void } | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      settle = {
        message: (m) => (m.ready ? resolve() : reject(errorFrom(m.error))),
        error: reject,
        exit: (code) => reject(new Error(`the PGlite worker exited with code ${code} while opening`)),
      };
      worker.on('message', settle.message).on('error', settle.error).on('exit', settle.exit);
    });
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    // Only our own listeners: removeAllListeners would take Worker's internal ones too and deafen it.
    worker.off('message', settle!.message).off('error', settle!.error).off('exit', settle!.exit);
  }

  const calls = new Map<number, Call>();
  let nextId = 1;
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const call of calls.values()) call.reject(failure);
    calls.clear();
  };
  worker.on('message', (reply: HostReply) => {
    const call = calls.get(reply.id);
    if (!call) return;
    calls.delete(reply.id);
    if (calls.size === 0) worker.unref();
    if (reply.ok) call.resolve(reply.rows ?? []);
    else call.reject(errorFrom(reply.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the PGlite worker exited with code ${code}`)));
  worker.unref();

  /** Posts a request; a transaction is named by the id of its `begin`. */
  const send = (request: WithoutId<HostRequest>) => {
    const id = nextId++;
    const reply = new Promise<unknown[]>((resolve, reject) => {
      if (failure) return reject(failure);
      calls.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
    return { id, reply };
  };
  const call = (request: WithoutId<HostRequest>) => send(request).reply;
  const query = async <R>(sql: string, params?: unknown[], tx?: number, flush?: boolean) => ({
    rows: (await call({ op: 'query', sql, params, tx, flush })) as R[],
  });

  return {
    kind: 'pglite',
    query: (sql, params) => query(sql, params),
    queryDurably: dataDir ? (sql, params) => query(sql, params, undefined, true) : undefined,
    async transaction(fn) {
      const begin = send({ op: 'begin' });
      await begin.reply;
      const tx = begin.id;
      let result;
      try {
        result = await fn({ query: (sql, params) => query(sql, params, tx) });
      } catch (error) {
        await call({ op: 'rollback', tx }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'commit', tx });
      return result;
    },
    listen: async () => async () => undefined,
    flush: dataDir ? () => call({ op: 'flush' }).then(() => undefined) : undefined,
    async close() {
      try {
        if (!failure) await call({ op: 'close' });
      } finally {
        fail(new Error('the PGlite client is closed'));
        await worker.terminate();
      }
    },
  };
}
