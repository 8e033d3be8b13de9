import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is a database inside one process: two processes opening the same
 * DATA_DIR would corrupt it. The first to open writes its pid here; a lock
 * whose process is gone (kill -9) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'owner.pid');
  if (heldHere.has(file)) throw new Error(`DATA_DIR ${dataDir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8'));
      // Our own pid on a lock we do not hold is a previous run's (a container restarted as PID 1).
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DataDirInUseError(dataDir, owner);
      }
      unlinkSync(file);
    }
  }
  throw new Error(`could not lock DATA_DIR ${dataDir}`);
}

const heldHere = new Set<string>();

/**
 * Opens what lives in DATA_DIR (made if missing) under its lock, held until
 * it closes or fails to open. Without a DATA_DIR (in memory) there is
 * nothing to lock.
 */
export async function openLocked<T extends { close(): Promise<void> }>(
  dataDir: string | undefined,
  open: () => Promise<T>,
): Promise<T> {
  if (!dataDir) return open();
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    const opened = await open();
    return { ...opened, close: () => opened.close().finally(unlock) };
  } catch (error) {
    unlock();
    throw error;
  }
}

/** Another live process (normally the service) has the embedded store open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`DATA_DIR ${dataDir} is in use by process ${pid}; stop it first or use another DATA_DIR`);
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
