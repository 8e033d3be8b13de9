import { randomUUID } from 'node:crypto';
import type { ReplayProgress } from '../projections/rebuild/replay-into';
import type { RebuildReport, VerifyReport } from '../projections/rebuild/rebuild-store';
import { DomainError } from '../shared/domain-error';

export type JobKind = 'rebuild' | 'verify';

export type ProjectionJob = {
  readonly jobId: string;
  readonly kind: JobKind;
  readonly projections: readonly string[];
  state: 'running' | 'succeeded' | 'failed';
  readonly startedAt: string;
  finishedAt?: string;
  /** The projection being worked on and how far it has got. */
  current?: { projection: string; progress?: ReplayProgress };
  steps: string[];
  results: (RebuildReport | VerifyReport)[];
  error?: { code?: string; message: string };
};

const KEEP_FINISHED = 50;

/**
 * Rebuilds and verifies take minutes, longer than an HTTP request should:
 * the admin routes start a job and answer 202 with it, the CLI polls it.
 * Jobs live in this process only; a rebuild that dies with it is resumed by
 * the next rebuild of the same store (its checkpoint is in the new generation).
 */
export class ProjectionJobs {
  private readonly jobs = new Map<string, ProjectionJob>();

  start(
    kind: JobKind,
    projections: readonly string[],
    run: (projection: string, job: ProjectionJob) => Promise<RebuildReport | VerifyReport>,
  ): ProjectionJob {
    const busy = [...this.jobs.values()].find(
      (j) => j.state === 'running' && j.kind === 'rebuild' && j.projections.some((p) => projections.includes(p)),
    );
    if (kind === 'rebuild' && busy) {
      throw new DomainError('REBUILD_RUNNING', `job ${busy.jobId} is rebuilding ${busy.projections.join(', ')}`);
    }
    const job: ProjectionJob = {
      jobId: randomUUID(),
      kind,
      projections,
      state: 'running',
      startedAt: new Date().toISOString(),
      steps: [],
      results: [],
    };
    this.jobs.set(job.jobId, job);
    void (async () => {
      try {
        for (const projection of projections) {
          job.current = { projection };
          job.results.push(await run(projection, job));
        }
        job.state = 'succeeded';
      } catch (error) {
        job.state = 'failed';
        job.error = {
          ...(error instanceof DomainError ? { code: error.code } : {}),
          message: error instanceof Error ? error.message : String(error),
        };
      } finally {
        job.current = undefined;
        job.finishedAt = new Date().toISOString();
        this.forgetOld();
      }
    })();
    return job;
  }

  get(jobId: string): ProjectionJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new DomainError('NOT_FOUND', `no projection job ${jobId} in this instance`);
    return job;
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.jobId);
  }
}
