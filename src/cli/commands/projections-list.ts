import { CliCommand } from '../cli-command';
import { write, writeJson } from '../cli-io';
import { table } from '../human-format';

export const projectionsList: CliCommand = {
  register(program, context) {
    program
      .command('projections:list')
      .description('every projection with its version, generation, checkpoint, the head, lag and state')
      .action((_options, command) =>
        context.withTarget(command, async (target, options) => {
          const listed = await target.listProjections();
          if (options.json) return writeJson(context.io.stdout, listed);
          const rows = listed.projections.map((p) => [
            p.name,
            p.store,
            p.version,
            p.generation,
            p.checkpoint ?? '-',
            p.lag ?? '-',
            p.state,
            p.target,
          ]);
          await write(
            context.io.stdout,
            `${target.description}: head ${listed.head}\n\n` +
              `${table([['projection', 'store', 'version', 'generation', 'checkpoint', 'lag', 'state', 'target'], ...rows])}\n`,
          );
        }),
      );
  },
};
