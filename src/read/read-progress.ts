/** Anything that applies the log in order and can say how far it has got. */
export interface ProgressTracker {
  readonly name: string;
  readonly position: number;
  /** Resolves true once `position` is applied, false after `timeoutMs` (or at once when it cannot get there now). */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
}

/** Resolves true once every tracker has applied `position`. */
export async function waitForAll(
  trackers: readonly ProgressTracker[],
  position: number,
  timeoutMs: number,
): Promise<boolean> {
  const results = await Promise.all(trackers.map((t) => t.waitFor(position, timeoutMs)));
  return results.every(Boolean);
}
