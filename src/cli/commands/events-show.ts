import { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { write, writeJson } from '../cli-io';
import { eventLine } from '../human-format';

export const eventsShow: CliCommand = {
  register(program, context) {
    program
      .command('events:show')
      .description('print every event of one stream, in its current schema version')
      .argument('<stream>', 'the stream id, e.g. Wallet-<userId> or Seat-<scheduleId>.<seatNo>')
      .addHelpText('after', '\nExample:\n  rush-tickets events:show Reservation-0b6f… --json')
      .action((streamId: string, _options, command) =>
        context.withTarget(command, async (target, options) => {
          const events = await target.readStream(streamId);
          if (events.length === 0) throw new CliError(`stream ${streamId} has no events in ${target.description}`);
          if (options.json) return writeJson(context.io.stdout, { streamId, events });
          await write(context.io.stdout, `${streamId}: ${events.length} events\n${events.map(eventLine).join('\n')}\n`);
        }),
      );
  },
};
