import { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { write } from '../cli-io';
import { wholeNumber } from '../cli-options';
import { Progress } from '../progress';

const PAGE = 5_000;

export const eventsExport: CliCommand = {
  register(program, context) {
    program
      .command('events:export')
      .description('write the log as NDJSON to stdout, one event per line exactly as stored; progress on stderr')
      .option('--from <position>', 'first position (default 1)', wholeNumber(1))
      .option('--to <position>', 'last position (default: the head when the export starts)', wholeNumber(1))
      .addHelpText('after', '\nExample:\n  rush-tickets events:export > events.ndjson')
      .action((options: { from?: number; to?: number }, command) =>
        context.withTarget(command, async (target, global) => {
          const head = await target.headPosition();
          // Fixed at the start, so the file is the log as it was then even while the service appends.
          const to = Math.min(options.to ?? head, head);
          const from = options.from ?? 1;
          if (options.to !== undefined && options.to < from) throw new CliError('--to is before --from');
          const progress = new Progress(context.io, 'exported', Math.max(0, to - from + 1));
          let after = from - 1;
          let first: number | undefined;
          let last: number | undefined;
          while (after < to && !context.io.signal.aborted) {
            const page = await target.exportPage(after, PAGE, to);
            if (page.events.length === 0) break;
            await write(context.io.stdout, page.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
            first ??= page.events[0].position;
            last = page.events[page.events.length - 1].position;
            progress.add(page.events.length);
            after = page.next;
          }
          if (context.io.signal.aborted) throw new CliError('export interrupted; the file is incomplete');
          await progress.done(global.json, { first: first ?? null, last: last ?? null });
        }),
      );
  },
};
