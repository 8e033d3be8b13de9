#!/usr/bin/env node
/**
 * rush-tickets — the operator CLI (`npm run cli -- <command>`, or the
 * package's `rush-tickets` bin). See run-cli.ts and commands/.
 */
import { runCli } from './run-cli';

const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupted.abort());
// A closed pipe (`| head`) ends the run quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') interrupted.abort();
  else throw error;
});

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: interrupted.signal,
  progress: Boolean(process.stderr.isTTY),
}).then((code) => {
  process.exitCode = code;
});
