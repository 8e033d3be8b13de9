import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ADMIN_KEY, RunningApp, startApp } from '../support/app';
import { eventStoreOf, expectProblem, removeDataDirs, tempDataDir } from '../support/e2e';
import { purchaseFlowCheck } from '../support/purchase-flow';
import { cli, jsonLines, readModelFingerprint, startCli } from './cli-run';

/** The CLI through a running service's admin routes (--url), and those routes themselves. */
describe('CLI, remote through the admin routes', () => {
  let source: RunningApp;
  const remote = (running: RunningApp, ...args: string[]) => ['--url', running.url, '--admin-key', ADMIN_KEY, ...args];

  beforeAll(async () => {
    source = await startApp({ DATA_DIR: tempDataDir() });
    await purchaseFlowCheck(source.client);
  }, 60_000);
  afterAll(async () => {
    await source.close();
    removeDataDirs();
  });

  it('exports from one running service and imports into an empty one: same log, same read models, same answers', async () => {
    const exported = await cli(remote(source, 'events:export'));
    expect(exported.code).toBe(0);
    const events = jsonLines(exported.stdout);
    expect(events.length).toBe(await eventStoreOf(source).headPosition());

    const target = await startApp({ DATA_DIR: tempDataDir() });
    try {
      const file = `${tempDataDir()}/events.ndjson`;
      writeFileSync(file, exported.stdout);
      const imported = await cli(remote(target, 'events:import', file));
      expect(imported.stderr).toMatch(new RegExp(`^imported ${events.length} events in .+; head ${events.length}\\n$`));
      expect((await cli(remote(target, 'events:export'))).stdout).toBe(exported.stdout);
      expect(await readModelFingerprint(eventStoreOf(target))).toEqual(
        await readModelFingerprint(eventStoreOf(source)),
      );
      // The running service follows the import live: its own read models answer as the source's do.
      const concerts = await source.client.request('GET', '/v1/concerts');
      const at = { 'x-min-position': String(events.length) };
      expect((await target.client.request('GET', '/v1/concerts', { headers: at })).body).toEqual(concerts.body);

      const again = await cli(remote(target, 'events:import', file));
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `error: the service at ${target.url} is not empty (head position ${events.length}); import only into an empty store\n`,
      );
    } finally {
      await target.close();
    }
  }, 60_000);

  it('shows a stream, counts the log and follows it live while the service writes', async () => {
    const stats = JSON.parse((await cli(remote(source, 'events:stats', '--json'))).stdout);
    expect(stats.lastPosition).toBe(await eventStoreOf(source).headPosition());
    const wallet = (await eventStoreOf(source).readAll(0, 1000)).find((e) => e.type === 'WalletCharged')!;
    const shown = JSON.parse((await cli(remote(source, 'events:show', wallet.streamId, '--json'))).stdout);
    expect(shown.events.map((e: { type: string }) => e.type)).toEqual(['WalletCharged', 'WalletDebited']);

    const tail = startCli(remote(source, 'events:tail', '--category', 'Concert'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const created = await source.client.createConcert(3);
    const deadline = Date.now() + 10_000;
    while (!tail.output.stdout && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    tail.interrupt();
    const lines = jsonLines((await tail.done).stdout);
    expect(lines.map((e) => [e.type, e.streamId])).toEqual([['ConcertCreated', `Concert-${created.concertId}`]]);
  });

  it('says why it cannot reach a service or is refused', async () => {
    const wrongKey = await cli(['--url', source.url, '--admin-key', 'wrong-key-123', 'events:stats']);
    expect(wrongKey).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: the service at ${source.url} refused GET /v1/admin/events/stats: X-Admin-Key is missing or wrong (ADMIN_KEY_INVALID)\n`,
    });
    const port = await closedPort();
    const down = await cli(['--url', `http://127.0.0.1:${port}`, '--admin-key', ADMIN_KEY, 'events:stats']);
    expect(down.stderr).toBe(`error: cannot reach the service at http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  describe('admin event routes', () => {
    const admin = (method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY) =>
      source.client.request(method, path, { body, headers: key === null ? {} : { 'x-admin-key': key } });

    it('refuse a missing or wrong X-Admin-Key with 401 problem+json', async () => {
      for (const [method, path] of [
        ['GET', '/v1/admin/events'],
        ['GET', '/v1/admin/events/export'],
        ['GET', '/v1/admin/events/stats'],
        ['GET', '/v1/admin/events/streams/Wallet-x'],
        ['POST', '/v1/admin/events/import'],
      ]) {
        expectProblem(
          await admin(method, path, method === 'POST' ? { after: 0, events: [] } : undefined, null),
          401,
          'ADMIN_KEY_INVALID',
        );
        expectProblem(
          await admin(method, path, method === 'POST' ? { after: 0, events: [] } : undefined, 'wrong-key-123'),
          401,
          'ADMIN_KEY_INVALID',
        );
      }
    });

    it('refuse bad parameters and bodies with 400 problem+json', async () => {
      for (const query of ['after=-1', 'limit=0', 'limit=10001', 'after=x', 'category=Wal-let', 'colour=red']) {
        expectProblem(await admin('GET', `/v1/admin/events?${query}`), 400, 'VALIDATION_FAILED');
      }
      expectProblem(await admin('GET', '/v1/admin/events/export?to=1.5'), 400, 'VALIDATION_FAILED');
      expectProblem(await admin('POST', '/v1/admin/events/import', { after: 0 }), 400, 'VALIDATION_FAILED');
      expectProblem(
        await admin('POST', '/v1/admin/events/import', { after: 0, events: [{ id: 'x' }] }),
        400,
        'VALIDATION_FAILED',
      );
      expectProblem(await admin('GET', '/v1/admin/events/streams/Wallet-nobody'), 404, 'NOT_FOUND');
    });

    it('refuse an import into a store that is not empty with 409 STORE_NOT_EMPTY, and a page off the head with 409 IMPORT_HEAD_MOVED', async () => {
      const [event] = (await admin('GET', '/v1/admin/events/export?limit=1')).body.events;
      expectProblem(
        await admin('POST', '/v1/admin/events/import', { after: 0, events: [event] }),
        409,
        'STORE_NOT_EMPTY',
      );
      expectProblem(
        await admin('POST', '/v1/admin/events/import', { after: 1, events: [event] }),
        409,
        'IMPORT_HEAD_MOVED',
      );
    });

    it('page the log with filters and a `next` that moves past what matched nothing', async () => {
      const head = await eventStoreOf(source).headPosition();
      const page = await admin('GET', '/v1/admin/events?after=0&limit=2&category=Wallet');
      expect(page.status).toBe(200);
      expect(page.body.events.map((e: { type: string }) => e.type)).toEqual(['WalletCharged', 'WalletDebited']);
      expect(page.body.next).toBe(page.body.events[1].position);
      const all = await admin('GET', '/v1/admin/events?limit=10000');
      expect(all.body.events.map((e: { position: number }) => e.position)).toEqual(
        Array.from({ length: head }, (_, i) => i + 1),
      );
      const none = await admin('GET', '/v1/admin/events?after=0&type=NoSuchType');
      expect(none.body).toEqual({ events: [], next: head, head });
    });

    it('are in the OpenAPI document behind the admin key', async () => {
      const { paths } = (await source.client.request('GET', '/docs/json')).body;
      for (const [path, method] of [
        ['/v1/admin/events', 'get'],
        ['/v1/admin/events/export', 'get'],
        ['/v1/admin/events/stats', 'get'],
        ['/v1/admin/events/streams/{streamId}', 'get'],
        ['/v1/admin/events/import', 'post'],
      ]) {
        expect(paths[path]?.[method]?.security).toEqual([{ 'admin-key': [] }]);
      }
      expect(paths['/v1/admin/events/import'].post.requestBody.content['application/json'].schema).toMatchObject({
        required: ['after', 'events'],
      });
    });
  });
});

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
