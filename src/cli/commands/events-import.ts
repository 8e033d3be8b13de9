import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fromWire, wireEvent } from '../../admin/event-wire';
import { RecordedEvent } from '../../event-store/event-store.port';
import { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { Progress } from '../progress';

const PAGE = 5_000;
// Well under the admin routes' 16 MiB body limit, JSON overhead included.
const PAGE_BYTES = 8 * 1024 * 1024;

export const eventsImport: CliCommand = {
  register(program, context) {
    program
      .command('events:import')
      .description(
        'write an events:export file into an EMPTY event store, keeping event ids, stream revisions, ' +
          'positions, times and metadata',
      )
      .argument('<file>', 'an NDJSON file from events:export ("-" for stdin)')
      .addHelpText('after', '\nExample:\n  DATA_DIR=./restored rush-tickets events:import events.ndjson')
      .action((file: string, _options, command) =>
        context.withTarget(
          command,
          async (target, global) => {
            const head = await target.headPosition();
            if (head !== 0) {
              throw new CliError(
                `${target.description} is not empty (head position ${head}); import only into an empty store`,
              );
            }
            const input = file === '-' ? process.stdin : createReadStream(file);
            const opened = new Promise<void>((resolve, reject) => {
              input.once('error', reject);
              if (file === '-') resolve();
              else input.once('open', () => resolve());
            });
            await opened.catch((error: NodeJS.ErrnoException) => {
              throw new CliError(`cannot read ${file}: ${error.code ?? error.message}`);
            });
            const progress = new Progress(context.io, 'imported', 0);
            let after = 0;
            let page: RecordedEvent[] = [];
            let pageBytes = 0;
            // One page is written while the next is read and checked; a page's head is its last position.
            let writing: Promise<unknown> = Promise.resolve();
            const flush = async () => {
              if (!page.length) return;
              const events = page;
              const from = after;
              after = events[events.length - 1].position;
              page = [];
              pageBytes = 0;
              await writing;
              writing = target.importPage(from, events).then(() => progress.add(events.length));
              // Awaited below; this only keeps a failure while a bad line is being reported from going unhandled.
              writing.catch(() => undefined);
            };
            let lineNo = 0;
            for await (const line of createInterface({ input, crlfDelay: Infinity })) {
              lineNo += 1;
              if (!line.trim()) continue;
              page.push(parseLine(file, lineNo, line));
              pageBytes += line.length;
              if (page.length >= PAGE || pageBytes >= PAGE_BYTES) await flush();
            }
            await flush();
            await writing;
            await progress.done(global.json, { head: after });
          },
          { create: true },
        ),
      );
  },
};

function parseLine(file: string, lineNo: number, line: string): RecordedEvent {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new CliError(`${file}:${lineNo}: not JSON; expected one exported event per line`);
  }
  const parsed = wireEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(
      `${file}:${lineNo}: not an exported event: ${issue.path.join('.') || '(line)'}: ${issue.message}`,
    );
  }
  return fromWire(parsed.data);
}
