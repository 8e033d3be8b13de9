import type { VerifyReport } from '../../projections/rebuild/rebuild-store';
import { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { writeJson } from '../cli-io';
import { failure, jobProgress, showVerifications } from './projection-job-output';

export const projectionsVerify: CliCommand = {
  register(program, context) {
    program
      .command('projections:verify')
      .argument('[name]', 'a projection from projections:list')
      .option('--all', 'every projection')
      .description(
        'replay the log into a scratch copy and compare it with the live read model; ' +
          'prints the first differing documents and exits 1 when they differ',
      )
      .action((name: string | undefined, flags: { all?: boolean }, command) => {
        if (!name === !flags.all) throw new CliError('name one projection, or pass --all');
        return context.withTarget(command, async (target, options) => {
          const job = await target.runProjectionJob('verify', name ?? 'all', jobProgress(context, 'replaying'));
          if (options.json) await writeJson(context.io.stdout, job);
          if (job.state !== 'succeeded') throw failure(job);
          const reports = job.results as VerifyReport[];
          if (!options.json) await showVerifications(context, reports);
          const differing = reports.filter((r) => !r.same).map((r) => r.projection);
          if (differing.length) throw new CliError(`read models differ: ${differing.join(', ')}`);
        });
      });
  },
};
