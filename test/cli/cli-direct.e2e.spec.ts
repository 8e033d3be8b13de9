import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEventStore } from '../../src/event-store/open-event-store';
import { startApp } from '../support/app';
import { removeDataDirs, tempDataDir } from '../support/e2e';
import { purchaseFlowCheck } from '../support/purchase-flow';
import { cli, jsonLines, readModelFingerprint, startCli } from './cli-run';

/** The CLI on the stores themselves (no --url), with the service stopped. */
describe('CLI, direct on an embedded DATA_DIR', () => {
  let dataDir: string;
  let exported: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    const running = await startApp({ DATA_DIR: dataDir });
    await purchaseFlowCheck(running.client);
    await running.close();
  }, 60_000);
  afterAll(() => removeDataDirs());

  it('counts events by category and type, for people and for scripts', async () => {
    const human = await cli(['events:stats'], { DATA_DIR: dataDir });
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(/^the PGlite store in .+: \d+ events in \d+ streams, positions 1\.\.\d+\n/);
    expect(human.stdout).toMatch(/\nWallet\s+WalletCharged\s+1\s+\d+\s+\d+\s+\d+(\.\d)? (B|KiB)\n/);
    const { stdout, code } = await cli(['events:stats', '--json'], { DATA_DIR: dataDir });
    expect(code).toBe(0);
    const stats = JSON.parse(stdout);
    expect(stats).toMatchObject({ firstPosition: 1, lastPosition: stats.events, bytes: expect.any(Number) });
    expect(stats.byType).toContainEqual(
      expect.objectContaining({ category: 'Reservation', type: 'ReservationPaid', events: 1 }),
    );
    expect(stats.byType.reduce((n: number, t: { events: number }) => n + t.events, 0)).toBe(stats.events);
  });

  it('exports every event as NDJSON and shows one stream of it', async () => {
    const run = await cli(['events:export'], { DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    exported = run.stdout;
    const events = jsonLines(exported);
    expect(events.map((e) => e.position)).toEqual(events.map((_, i) => i + 1));
    expect(run.stderr).toMatch(
      new RegExp(
        `^exported ${events.length} events in [\\d.]+ s \\(\\d+ events/s\\); first 1, last ${events.length}\\n$`,
      ),
    );
    const wallet = events.find((e) => e.type === 'WalletCharged')!;
    const shown = await cli(['events:show', String(wallet.streamId), '--json'], { DATA_DIR: dataDir });
    expect(JSON.parse(shown.stdout)).toEqual({
      streamId: wallet.streamId,
      events: events.filter((e) => e.streamId === wallet.streamId),
    });
    const human = await cli(['events:show', String(wallet.streamId)], { DATA_DIR: dataDir });
    expect(human.stdout).toMatch(/: 2 events\n\s+#0 @\d+\s+\S+Z WalletCharged v1\s+\{"amount":5000,/);
    const range = await cli(['events:export', '--from', '3', '--to', '5'], { DATA_DIR: dataDir });
    expect(jsonLines(range.stdout).map((e) => e.position)).toEqual([3, 4, 5]);
  });

  it('imports an export into an empty store: the same log byte for byte, the same read models; a second import is refused', async () => {
    const file = join(tempDataDir(), 'events.ndjson');
    writeFileSync(file, exported);
    const restored = join(tempDataDir(), 'restored');
    const run = await cli(['events:import', file, '--json'], { DATA_DIR: restored });
    expect(run.code).toBe(0);
    const count = jsonLines(exported).length;
    expect(JSON.parse(run.stderr)).toEqual({
      imported: expect.objectContaining({ events: count, head: count, eventsPerSecond: expect.any(Number) }),
    });
    expect((await cli(['events:export'], { DATA_DIR: restored })).stdout).toBe(exported);

    const again = await cli(['events:import', file], { DATA_DIR: restored });
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: the PGlite store in ${restored} is not empty (head position ${count}); import only into an empty store\n`,
    });

    const original = await openEventStore({ kind: 'pglite', dataDir });
    const copy = await openEventStore({ kind: 'pglite', dataDir: restored });
    try {
      const [a, b] = [await readModelFingerprint(original), await readModelFingerprint(copy)];
      expect(a.documents).toBeGreaterThanOrEqual(5);
      expect(b).toEqual(a);
    } finally {
      await original.close();
      await copy.close();
    }
  });

  it('follows the log as JSON lines, filtered by category and type, until interrupted', async () => {
    const tail = startCli(['events:tail', '--from', '1', '--category', 'Wallet'], { DATA_DIR: dataDir });
    const deadline = Date.now() + 10_000;
    while (jsonLines(tail.output.stdout).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    tail.interrupt();
    const { code, stdout } = await tail.done;
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((e) => e.type)).toEqual(['WalletCharged', 'WalletDebited']);
    const typed = startCli(['events:tail', '--from', '1', '--type', 'ReservationPaid'], { DATA_DIR: dataDir });
    while (!typed.output.stdout && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    typed.interrupt();
    expect(jsonLines((await typed.done).stdout).map((e) => e.type)).toEqual(['ReservationPaid']);
  });

  it('says the service is running, and what to do, when it holds the DATA_DIR', async () => {
    // The parent process (jest's runner or the shell) is alive and is not us: it stands for the service.
    writeFileSync(join(dataDir, 'owner.pid'), String(process.ppid));
    try {
      const run = await cli(['events:stats'], { DATA_DIR: dataDir });
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `error: the service is running on DATA_DIR ${dataDir} (process ${process.ppid}), and the embedded store ` +
          'opens in one process only: stop the service, or go through it with --url <service url> --admin-key <key>\n',
      });
    } finally {
      unlinkSync(join(dataDir, 'owner.pid'));
    }
  });

  it('explains bad input in one line and exits non-zero; --help works on every command', async () => {
    const missing = await cli(['events:show', 'Wallet-nobody'], { DATA_DIR: dataDir });
    expect(missing).toMatchObject({
      code: 1,
      stderr: `error: stream Wallet-nobody has no events in the PGlite store in ${dataDir}\n`,
    });
    const nowhere = await cli(['events:stats'], { DATA_DIR: join(dataDir, 'nope') });
    expect(nowhere.stderr).toBe(
      `error: there is no event store in DATA_DIR ${join(dataDir, 'nope')}; set DATA_DIR, or use --url\n`,
    );
    const file = join(tempDataDir(), 'bad.ndjson');
    writeFileSync(file, `${exported.split('\n')[0]}\n{"id":"x"}\n`);
    const bad = await cli(['events:import', file], { DATA_DIR: join(tempDataDir(), 'empty') });
    expect(bad).toMatchObject({
      code: 1,
      stderr: `error: ${file}:2: not an exported event: streamId: Invalid input: expected string, received undefined\n`,
    });
    const noFile = await cli(['events:import', '/no/such/file'], { DATA_DIR: join(tempDataDir(), 'empty') });
    expect(noFile.stderr).toBe('error: cannot read /no/such/file: ENOENT\n');
    const badOption = await cli(['events:tail', '--from', 'x'], { DATA_DIR: dataDir });
    expect(badOption.code).toBe(1);
    expect(badOption.stderr).toMatch(/option '--from <position>' argument 'x' is invalid/);
    const noKey = await cli(['--url', 'http://127.0.0.1:1', 'events:stats'], {});
    expect(noKey.stderr).toBe('error: --url needs the admin key: pass --admin-key <key> or set ADMIN_KEY\n');
    for (const command of ['events:show', 'events:tail', 'events:stats', 'events:export', 'events:import']) {
      const help = await cli([command, '--help']);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(new RegExp(`^Usage: rush-tickets ${command}`));
    }
  });
});
