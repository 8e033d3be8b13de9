import { existsSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock';

describe('one process per DATA_DIR', () => {
  it('refuses while another live process owns the directory, and allows it once that lock is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    // The parent process (jest's runner or the shell) is alive and is not us.
    writeFileSync(join(dir, 'owner.pid'), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(/in use by process/);
    unlinkSync(join(dir, 'owner.pid'));
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'owner.pid'))).toBe(false);
  });

  it('takes over a lock left by an earlier run with this same pid (a restarted container), but never one it holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'owner.pid'), String(process.pid));
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/already open in this process/);
    release();
  });

  it('takes over the lock of a process that died without releasing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'owner.pid'), '999999999');
    expect(() => lockDataDir(dir)()).not.toThrow();
  });
});
