/**
 * Named positions in the global log that a process keeps across restarts (a
 * relay's published mark, a process manager's low-water mark). Kept beside
 * the event store, so a new instance resumes where the last one stood
 * instead of reading the whole history.
 */
export interface Checkpoints {
  /** The saved position, 0 when there is none. */
  load(name: string): Promise<number>;
  /** Saves a position; a lower one than saved is ignored, so racing writers never move a mark back. */
  save(name: string, position: number): Promise<void>;
}

export const CHECKPOINTS = Symbol('CHECKPOINTS');
