/** Anything that applies the log in order and can say how far it has got. */
export interface ProgressTracker {
  readonly name: string;
  readonly position: number;
  /** Resolves true once `position` is applied, false after `timeoutMs` (or at once when it cannot get there now). */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
}
