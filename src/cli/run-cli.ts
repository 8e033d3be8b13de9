import { Command, CommanderError } from 'commander';
import { cliContext } from './cli-command';
import { CliError } from './cli-error';
import { CliIo } from './cli-io';
import { ALL_COMMANDS } from './commands/all-commands';

/** Runs one CLI invocation and returns its exit code; every failure is one line on stderr, never a stack. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('rush-tickets')
    .description(
      'Operator tools for the rush-tickets event log. Without --url they open the stores the service ' +
        'would (DATA_DIR, DATABASE_URL, or EVENT_STORE=kurrentdb with KURRENTDB_URL), so the service must be stopped for an embedded DATA_DIR; ' +
        "with --url they go through the running service's admin routes.",
    )
    .option('--url <url>', 'the running service, e.g. http://localhost:3000 (uses its /v1/admin routes)')
    .option('--admin-key <key>', 'X-Admin-Key for --url (default: $ADMIN_KEY)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  const context = cliContext(io);
  for (const command of ALL_COMMANDS) command.register(program, context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its own message (a usage error, or --help).
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: ${message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
