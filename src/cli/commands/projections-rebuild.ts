import type { RebuildReport } from '../../projections/rebuild/rebuild-store';
import { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { writeJson } from '../cli-io';
import { failure, jobProgress, showRebuilds } from './projection-job-output';

export const projectionsRebuild: CliCommand = {
  register(program, context) {
    program
      .command('projections:rebuild')
      .argument('[name]', 'a projection from projections:list')
      .option('--all', 'every projection')
      .description(
        'rebuild beside the live read model (a new MongoDB database / Redis key prefix / in-memory model), ' +
          'catch up with the head, switch the live read side to it, drop the old one; ' +
          'an interrupted rebuild is resumed by running it again',
      )
      .action((name: string | undefined, flags: { all?: boolean }, command) => {
        if (!name === !flags.all) throw new CliError('name one projection, or pass --all');
        return context.withTarget(command, async (target, options) => {
          const job = await target.runProjectionJob('rebuild', name ?? 'all', jobProgress(context, 'rebuilding'));
          if (options.json) await writeJson(context.io.stdout, job);
          if (job.state !== 'succeeded') throw failure(job);
          if (!options.json) await showRebuilds(context, job.results as RebuildReport[]);
        });
      });
  },
};
