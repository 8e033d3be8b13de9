import { PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';
import { runCli } from '../../src/cli/run-cli';
import { EventStore } from '../../src/event-store/event-store.port';
import { ALL_PROJECTIONS } from '../../src/projections/all-projections';
import { InMemoryDocumentStore } from '../../src/projections/document-store';
import { ProjectionRunner } from '../../src/projections/projection-runner';

export type CliRun = { code: number; stdout: string; stderr: string };

/** A running CLI invocation: its output so far, and a way to interrupt it (what Ctrl-C does). */
export type CliProcess = { readonly output: CliRun; interrupt(): void; readonly done: Promise<CliRun> };

/**
 * Runs the CLI in this process, as `rush-tickets <args>` with only `env` as
 * its environment, so each test says exactly which store it points at.
 */
export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const output: CliRun = { code: -1, stdout: '', stderr: '' };
  stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const interrupted = new AbortController();
  const done = runCli(args, { stdout, stderr, env, signal: interrupted.signal, progress: false }).then((code) => {
    output.code = code;
    return output;
  });
  return { output, interrupt: () => interrupted.abort(), done };
}

export const cli = (args: readonly string[], env: Record<string, string> = {}) => startCli(args, env).done;

export const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/**
 * Replays a whole log through every projection and hashes the read models,
 * so two stores can be compared by what their queries would answer.
 * Canonical, because key order is not part of a document: events fresh
 * from this process keep the order they were built in, events read back
 * from jsonb come in jsonb's order.
 */
export async function readModelFingerprint(store: EventStore): Promise<{ hash: string; documents: number }> {
  const documents = new InMemoryDocumentStore();
  const runner = new ProjectionRunner(store, documents, ALL_PROJECTIONS);
  for (let after = 0; ;) {
    const page = await store.readAll(after, 5_000);
    if (!page.length) break;
    runner.applyBatch(page);
    after = page[page.length - 1].position;
  }
  const hash = createHash('sha256');
  let count = 0;
  for (const { name } of ALL_PROJECTIONS) {
    for (const [id, doc] of documents.collection(name)) {
      count += 1;
      hash.update(JSON.stringify([name, id, canonical(doc)]));
    }
  }
  return { hash: hash.digest('hex'), documents: count };
}

function canonical(value: unknown): unknown {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [k, canonical(v)]);
  if (value instanceof Set) return [...value].map(canonical).sort();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
