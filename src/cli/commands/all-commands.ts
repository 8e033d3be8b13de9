import { CliCommand } from '../cli-command';
import { eventsExport } from './events-export';
import { eventsImport } from './events-import';
import { eventsShow } from './events-show';
import { eventsStats } from './events-stats';
import { eventsTail } from './events-tail';

/** Every command of the CLI, in the order `--help` lists them: a new command is a file and a line here. */
export const ALL_COMMANDS: readonly CliCommand[] = [eventsShow, eventsTail, eventsStats, eventsExport, eventsImport];
