import { CliCommand } from '../cli-command';
import { write, writeJson } from '../cli-io';
import { bytes, table } from '../human-format';

export const eventsStats: CliCommand = {
  register(program, context) {
    program
      .command('events:stats')
      .description('count events by category and type, with first and last positions and sizes')
      .action((_options, command) =>
        context.withTarget(command, async (target, options) => {
          const stats = await target.stats();
          if (options.json) return writeJson(context.io.stdout, stats);
          const range = stats.events ? `positions ${stats.firstPosition}..${stats.lastPosition}` : 'empty';
          const rows = stats.byType.map((t) => [
            t.category,
            t.type,
            t.events,
            t.firstPosition,
            t.lastPosition,
            bytes(t.bytes),
          ]);
          await write(
            context.io.stdout,
            `${target.description}: ${stats.events} events in ${stats.streams} streams, ${range}\n` +
              `size: ${bytes(stats.bytes)} of data and metadata, ${bytes(stats.storageBytes)} on disk\n` +
              (rows.length ? `\n${table([['category', 'type', 'events', 'first', 'last', 'size'], ...rows])}\n` : ''),
          );
        }),
      );
  },
};
