import { Http } from './http';
import { Recorder } from './recorder';

/** k6's ramping-vus stages: go linearly to `target` VUs over `seconds`. */
export type Stage = { seconds: number; target: number };

/** What an iteration sees: its VU's number (1-based, k6's __VU), its iteration count (__ITER) and the clock. */
export class Vu {
  iteration = 0;
  /** Per-VU state a scenario keeps between iterations (k6: module-level variables). */
  state: Record<string, unknown> = {};

  constructor(
    readonly id: number,
    readonly http: Http,
    readonly recorder: Recorder,
    private readonly stopping: Promise<void>,
  ) {}

  /** Set when the run's time is up: the next sleep ends the iteration (k6 interrupts it likewise). */
  stopped = false;

  /** A think time; when the run stops meanwhile, the iteration ends here instead of going on. */
  async sleep(seconds: number): Promise<void> {
    if (seconds > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (timer = setTimeout(resolve, seconds * 1000))),
        this.stopping,
      ]).finally(() => clearTimeout(timer));
    }
    if (this.stopped) throw STOPPED;
  }
}

/** Thrown by a sleep after the end of the run; not an error of the iteration. */
const STOPPED = new Error('the run stopped');

export const totalSeconds = (stages: readonly Stage[]) => stages.reduce((sum, s) => sum + s.seconds, 0);

/** The number of VUs k6 would run `t` seconds in. */
export function vusAt(startVus: number, stages: readonly Stage[], t: number): number {
  let from = startVus;
  let elapsed = 0;
  for (const stage of stages) {
    if (t < elapsed + stage.seconds) return Math.round(from + ((stage.target - from) * (t - elapsed)) / stage.seconds);
    elapsed += stage.seconds;
    from = stage.target;
  }
  return from;
}

/**
 * Runs VUs through the stages: a VU above the current target finishes its
 * iteration and rests until the target reaches it again (k6's graceful
 * ramp-down). At the end, a VU's next sleep ends its iteration and requests
 * in flight finish. A throwing iteration is counted under `iteration_error`
 * and its message printed once.
 */
export async function runStages(
  startVus: number,
  stages: readonly Stage[],
  http: Http,
  recorder: Recorder,
  iterate: (vu: Vu) => Promise<void>,
  onSecond: (second: number, vus: number) => void,
): Promise<void> {
  let stop!: () => void;
  const stopping = new Promise<void>((resolve) => (stop = resolve));
  const peak = Math.max(startVus, ...stages.map((s) => s.target));
  const vus = Array.from({ length: peak }, (_, i) => new Vu(i + 1, http, recorder, stopping));
  const running = new Map<number, Promise<void>>();
  let target = startVus;
  let stopped = false;
  const printed = new Set<string>();

  const loop = async (vu: Vu) => {
    while (!stopped && vu.id <= target) {
      const started = performance.now();
      try {
        await iterate(vu);
      } catch (error) {
        if (error === STOPPED) break;
        const message = error instanceof Error ? error.message : String(error);
        if (!printed.has(message)) process.stderr.write(`[load] VU ${vu.id}: ${message}\n`);
        printed.add(message);
        recorder.add('iteration_error', performance.now() - started, false, false);
      }
      vu.iteration++;
      recorder.iterations++;
    }
    running.delete(vu.id);
  };
  const adjust = () => {
    for (const vu of vus.slice(0, target)) if (!running.has(vu.id)) running.set(vu.id, loop(vu));
  };

  const total = totalSeconds(stages);
  const started = performance.now();
  adjust();
  let second = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const t = (performance.now() - started) / 1000;
      target = vusAt(startVus, stages, t);
      adjust();
      if (Math.floor(t) > second) onSecond((second = Math.floor(t)), running.size);
      if (t >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
  });
  stopped = true;
  for (const vu of vus) vu.stopped = true;
  stop();
  await Promise.all(running.values());
}
