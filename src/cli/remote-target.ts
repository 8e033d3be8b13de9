import { RecordedEvent } from '../event-store/event-store.port';
import { EventPage, EventStats, WireEvent, fromWire } from '../admin/event-wire';
import type { JobKind, ProjectionJob } from '../admin/projection-jobs';
import type { ProjectionInfo } from '../admin/projection-tools';
import { CliError } from './cli-error';
import { PageQuery, Target } from './target';

const JOB_POLL_MS = 250;

type WirePage = Omit<EventPage, 'events'> & { events: WireEvent[] };

/** The running service, through /v1/admin/events with X-Admin-Key. */
export class RemoteTarget implements Target {
  readonly description: string;
  private readonly base: string;

  constructor(
    url: string,
    private readonly adminKey: string,
  ) {
    this.base = url.replace(/\/+$/, '');
    this.description = `the service at ${this.base}`;
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    const found = await this.call<{ events: WireEvent[] }>(
      'GET',
      `/v1/admin/events/streams/${encodeURIComponent(streamId)}`,
      undefined,
      [404],
    );
    return found ? found.events.map(fromWire) : [];
  }

  async readPage(query: PageQuery): Promise<EventPage> {
    return toPage(await this.call<WirePage>('GET', `/v1/admin/events?${search(query)}`));
  }

  async exportPage(after: number, limit: number, to?: number): Promise<EventPage> {
    return toPage(await this.call<WirePage>('GET', `/v1/admin/events/export?${search({ after, limit, to })}`));
  }

  async importPage(after: number, events: readonly RecordedEvent[]): Promise<number> {
    const result = await this.call<{ head: number }>('POST', '/v1/admin/events/import', { after, events });
    return result!.head;
  }

  async headPosition(): Promise<number> {
    return (await this.readPage({ after: 0, to: 0, limit: 1 })).head;
  }

  async stats(): Promise<EventStats> {
    return (await this.call<EventStats>('GET', '/v1/admin/events/stats'))!;
  }

  async listProjections(): Promise<{ head: number; projections: ProjectionInfo[] }> {
    return (await this.call<{ head: number; projections: ProjectionInfo[] }>('GET', '/v1/admin/projections'))!;
  }

  async runProjectionJob(
    kind: JobKind,
    projection: string,
    onUpdate: (job: ProjectionJob) => void,
  ): Promise<ProjectionJob> {
    const route = kind === 'rebuild' ? 'rebuilds' : 'verifications';
    let job = (await this.call<ProjectionJob>('POST', `/v1/admin/projections/${route}`, { projection }))!;
    while (job.state === 'running') {
      onUpdate(job);
      await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
      job = (await this.call<ProjectionJob>('GET', `/v1/admin/projections/jobs/${job.jobId}`))!;
    }
    onUpdate(job);
    return job;
  }

  async close(): Promise<void> {}

  /** The body of a 2xx answer; undefined for a status in `absent`; a CliError with the problem's detail otherwise. */
  private async call<T>(method: string, path: string, body?: unknown, absent: number[] = []): Promise<T | undefined> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: {
          'x-admin-key': this.adminKey,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.description}: ${cause?.code ?? cause?.message ?? String(error)}`);
    }
    if (absent.includes(response.status)) return undefined;
    const text = await response.text();
    if (!response.ok) {
      let problem: { detail?: string; code?: string } = {};
      try {
        problem = JSON.parse(text) as typeof problem;
      } catch {
        // not problem+json: a proxy or another program answered
      }
      const why = problem.detail ? `${problem.detail} (${problem.code ?? response.status})` : `HTTP ${response.status}`;
      throw new CliError(`${this.description} refused ${method} ${path.split('?')[0]}: ${why}`);
    }
    return JSON.parse(text) as T;
  }
}

const toPage = (page: WirePage | undefined): EventPage => ({ ...page!, events: page!.events.map(fromWire) });

function search(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.toString();
}
