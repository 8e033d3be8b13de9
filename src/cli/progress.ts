import { SingleBar } from 'cli-progress';
import { CliIo, write } from './cli-io';
import { perSecond } from './human-format';

/**
 * Progress of a long copy on stderr: a bar on a terminal, nothing otherwise,
 * so stdout stays pure data (an export) and logs stay short. `done` prints
 * the one summary line either way (JSON with --json).
 */
export class Progress {
  private readonly bar: SingleBar | undefined;
  private readonly started = Date.now();
  private count = 0;

  constructor(
    private readonly io: CliIo,
    private readonly verb: string,
    total: number,
  ) {
    if (io.progress && total > 0) {
      this.bar = new SingleBar({
        stream: io.stderr as NodeJS.WriteStream,
        format: `${verb} [{bar}] {value}/{total} events, {rate}/s, eta {eta_formatted}`,
        hideCursor: true,
      });
      this.bar.start(total, 0, { rate: 0 });
    }
  }

  add(events: number): void {
    this.count += events;
    this.bar?.update(this.count, { rate: perSecond(this.count, Date.now() - this.started) });
  }

  async done(json: boolean | undefined, extra: Record<string, unknown>): Promise<void> {
    this.bar?.stop();
    const ms = Date.now() - this.started;
    const summary = { events: this.count, seconds: ms / 1000, eventsPerSecond: perSecond(this.count, ms), ...extra };
    const described = Object.entries(extra)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    await write(
      this.io.stderr,
      json
        ? `${JSON.stringify({ [this.verb]: summary })}\n`
        : `${this.verb} ${this.count} events in ${summary.seconds.toFixed(1)} s ` +
            `(${summary.eventsPerSecond} events/s)${described ? `; ${described}` : ''}\n`,
    );
  }
}
