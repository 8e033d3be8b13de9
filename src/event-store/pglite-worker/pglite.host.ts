import { parentPort, workerData } from 'node:worker_threads';
import { openUnlockedPgliteClient } from '../pglite.client';
import { SqlClient, SqlExecutor } from '../sql-client';
import { HostData, HostError, HostReady, HostReply, HostRequest } from './protocol';

/**
 * The worker thread that owns the PGlite database. PostgreSQL compiled to
 * WASM runs every statement synchronously, so on the service's thread it took
 * half of the event loop under load; here it runs beside it. A transaction
 * stays open across messages: `begin` starts it and parks it until its
 * `commit` or `rollback`, and PGlite queues every other statement behind it,
 * as it did in process.
 */
/** A transaction from its `begin`; `open` once PGlite has started it and it waits for its decision. */
type Transaction = {
  readonly done: Promise<void>;
  open?: { readonly tx: SqlExecutor; readonly decide: (commit: boolean) => void };
};

const ROLLBACK = new Error('rollback');

function errorOf(error: unknown): HostError {
  const { message, code, detail } = error as { message?: string; code?: string; detail?: string };
  return { message: message ?? String(error), code, detail };
}

function serve(client: SqlClient, port: NonNullable<typeof parentPort>): void {
  const transactions = new Map<number, Transaction>();
  const reply = (message: HostReply) => port.postMessage(message);
  const answer = (id: number, work: Promise<unknown[] | void>) =>
    work.then(
      (rows) => reply({ id, ok: true, rows: rows ?? undefined }),
      (error: unknown) => reply({ id, ok: false, error: errorOf(error) }),
    );

  const begin = (id: number) => {
    const transaction: Transaction = {
      done: client.transaction(async (tx) => {
        const commit = await new Promise<boolean>((decide) => {
          transaction.open = { tx, decide };
          reply({ id, ok: true });
        });
        if (!commit) throw ROLLBACK;
      }),
    };
    transactions.set(id, transaction);
    // Until it is open, a failing transaction is the `begin`'s to answer.
    transaction.done.catch((error: unknown) => {
      if (transaction.open) return;
      transactions.delete(id);
      reply({ id, ok: false, error: errorOf(error) });
    });
  };

  const finish = (id: number, tx: number, commit: boolean) => {
    const transaction = transactions.get(tx);
    transactions.delete(tx);
    if (!transaction?.open) return void answer(id, Promise.reject(new Error(`no open transaction ${tx}`)));
    transaction.open.decide(commit);
    void answer(
      id,
      transaction.done.catch((error: unknown) => (error === ROLLBACK ? undefined : Promise.reject(error))),
    );
  };

  port.on('message', (request: HostRequest) => {
    switch (request.op) {
      case 'query': {
        const executor = request.tx === undefined ? client : transactions.get(request.tx)?.open?.tx;
        if (!executor) return void answer(request.id, Promise.reject(new Error(`no open transaction ${request.tx}`)));
        const rows = executor.query(request.sql, request.params).then((result) => result.rows);
        return void answer(request.id, request.flush ? rows.then(async (r) => (await client.flush?.(), r)) : rows);
      }
      case 'begin':
        return begin(request.id);
      case 'commit':
      case 'rollback':
        return finish(request.id, request.tx, request.op === 'commit');
      case 'flush':
        return void answer(request.id, client.flush?.() ?? Promise.resolve());
      case 'close':
        return void answer(request.id, client.close()).then(() => port.close());
    }
  });
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite.host runs as a worker thread');
  const { dataDir } = workerData as HostData;
  let client: SqlClient;
  try {
    client = await openUnlockedPgliteClient(dataDir);
  } catch (error) {
    port.postMessage({ ready: false, error: errorOf(error) } satisfies HostReady);
    return;
  }
  serve(client, port);
  port.postMessage({ ready: true } satisfies HostReady);
}

void main();
