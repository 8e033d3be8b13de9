import type { ProjectionJob } from '../../admin/projection-jobs';
import type { RebuildReport, VerifyReport } from '../../projections/rebuild/rebuild-store';
import { CliContext } from '../cli-command';
import { CliError } from '../cli-error';
import { write } from '../cli-io';
import { Progress } from '../progress';

/** Shows a running job: one progress bar per projection as it gets to it, and its steps as they happen. */
export function jobProgress(context: CliContext, verb: string): (job: ProjectionJob) => void {
  let bar: { projection: string; progress: Progress; done: number } | undefined;
  let stepsShown = 0;
  return (job) => {
    for (const step of job.steps.slice(stepsShown)) context.io.stderr.write(`${step}\n`);
    stepsShown = job.steps.length;
    const current = job.current;
    if (!current?.progress) return;
    if (bar?.projection !== current.projection) {
      bar = {
        projection: current.projection,
        progress: new Progress(context.io, `${verb} ${current.projection}`, current.progress.total),
        done: 0,
      };
    }
    bar.progress.add(current.progress.done - bar.done);
    bar.done = current.progress.done;
  };
}

export function failure(job: ProjectionJob): CliError {
  return new CliError(`${job.kind} failed: ${job.error?.message ?? 'unknown error'}`);
}

export async function showRebuilds(context: CliContext, reports: readonly RebuildReport[]): Promise<void> {
  const lines = reports.map((r) =>
    r.projection === 'in-memory'
      ? `in-memory: rebuilt from ${r.events} events in ${r.seconds.toFixed(1)} s and switched`
      : `${r.projection}: generation ${r.generation} is live at position ${r.position} (${r.target}); ` +
        `generation ${r.previous} dropped; ${r.events} events in ${r.seconds.toFixed(1)} s` +
        (r.resumed ? ', resuming an interrupted rebuild' : ''),
  );
  await write(context.io.stdout, `${lines.join('\n')}\n`);
}

export async function showVerifications(context: CliContext, reports: readonly VerifyReport[]): Promise<void> {
  const lines: string[] = [];
  for (const r of reports) {
    if (r.same) {
      lines.push(`${r.projection}: same as a replay of the log up to position ${r.position} (${r.compared} documents)`);
      continue;
    }
    lines.push(
      `${r.projection}: DIFFERS from a replay of the log up to position ${r.position}: ` +
        `${r.differing} of ${r.compared} documents; the first ${r.differences.length}:`,
    );
    for (const d of r.differences) {
      lines.push(`  ${d.key}`, `    live:    ${JSON.stringify(d.live) ?? '(missing)'}`);
      lines.push(`    rebuilt: ${JSON.stringify(d.rebuilt) ?? '(missing)'}`);
    }
  }
  await write(context.io.stdout, `${lines.join('\n')}\n`);
}
