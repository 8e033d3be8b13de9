import { CliCommand } from '../cli-command';
import { eventsExport } from './events-export';
import { eventsImport } from './events-import';
import { eventsShow } from './events-show';
import { eventsStats } from './events-stats';
import { eventsTail } from './events-tail';
import { projectionsList } from './projections-list';
import { projectionsRebuild } from './projections-rebuild';
import { projectionsVerify } from './projections-verify';

/** Every command of the CLI, in the order `--help` lists them: a new command is a file and a line here. */
export const ALL_COMMANDS: readonly CliCommand[] = [
  projectionsList,
  projectionsRebuild,
  projectionsVerify,
  eventsShow,
  eventsTail,
  eventsStats,
  eventsExport,
  eventsImport,
];
