import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock';

describe('one process per DATA_DIR', () => {
  it('refuses a second owner while the first is alive, and allows it after release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/in use by process/);
    release();
    lockDataDir(dir)();
  });

  it('takes over the lock of a process that died without releasing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'owner.pid'), '999999999');
    expect(() => lockDataDir(dir)()).not.toThrow();
  });
});
