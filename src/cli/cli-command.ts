import { Command } from 'commander';
import { CliIo } from './cli-io';
import { GlobalOptions, openTarget } from './open-target';
import { Target } from './target';

export type CliContext = {
  readonly io: CliIo;
  /**
   * Opens the target the global options name, runs `use`, and always closes
   * it. `create`: an embedded DATA_DIR may be made (only import writes).
   */
  withTarget(
    command: Command,
    use: (target: Target, options: GlobalOptions) => Promise<void>,
    settings?: { create?: boolean },
  ): Promise<void>;
};

/** One CLI command: it adds itself (name, arguments, options, help, action) to the program. */
export type CliCommand = {
  register(program: Command, context: CliContext): void;
};

export function cliContext(io: CliIo): CliContext {
  return {
    io,
    async withTarget(command, use, settings = {}) {
      const options = command.optsWithGlobals<GlobalOptions>();
      const target = await openTarget(options, io.env, settings);
      try {
        await use(target, options);
      } finally {
        await target.close();
      }
    },
  };
}
