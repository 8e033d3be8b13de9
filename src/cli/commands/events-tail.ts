import { CliCommand } from '../cli-command';
import { sleep, write } from '../cli-io';
import { wholeNumber } from '../cli-options';

const PAGE = 1_000;
const IDLE_MS = 250;

export const eventsTail: CliCommand = {
  register(program, context) {
    program
      .command('events:tail')
      .description('follow the log live, one JSON event per line, until interrupted (Ctrl-C)')
      .option(
        '--from <position>',
        'start at this position (default: only events after the current head)',
        wholeNumber(1),
      )
      .option('--category <category>', 'only streams of this category (the stream id before its first "-")')
      .option('--type <type>', 'only events of this type')
      .addHelpText('after', '\nExample:\n  rush-tickets events:tail --from 1 --category Wallet | jq .data')
      .action((options: { from?: number; category?: string; type?: string }, command) =>
        context.withTarget(command, async (target) => {
          const { signal, stdout } = context.io;
          let after = options.from !== undefined ? options.from - 1 : await target.headPosition();
          while (!signal.aborted) {
            const page = await target.readPage({ after, limit: PAGE, category: options.category, type: options.type });
            if (page.events.length) await write(stdout, page.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
            after = page.next;
            if (page.events.length < PAGE) await sleep(IDLE_MS, signal);
          }
        }),
      );
  },
};
