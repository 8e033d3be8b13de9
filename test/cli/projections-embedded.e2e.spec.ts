import { ADMIN_KEY, RunningApp, startApp } from '../support/app';
import { User } from '../support/client';
import { makeActive, makeUsers, sameUserOn } from '../support/e2e';
import { cli } from './cli-run';

describe('projections:* in the embedded profile', () => {
  let app: RunningApp;
  let users: User[];
  let paths: string[];

  const answers = async () => {
    const seen: unknown[] = [];
    for (const user of users) {
      for (const path of paths) seen.push((await sameUserOn(app.client, user).call('GET', path)).body);
    }
    return seen;
  };

  beforeAll(async () => {
    app = await startApp();
    const concert = await app.client.createConcert(10);
    users = await makeUsers(app.client, 3, 'embedded-rebuild');
    await makeActive(users, concert.concertId);
    const { scheduleId, seatIds } = concert.schedules[0];
    for (const [i, user] of users.entries()) {
      await user.charge(10_000);
      const hold = await user.hold(scheduleId, [seatIds[i]]);
      if (i === 0) await user.pay(hold.body.reservationId);
    }
    paths = ['/v1/queue/status', '/v1/wallet', `/v1/schedules/${scheduleId}/seats`];
  }, 60_000);
  afterAll(() => app?.close());

  it('rebuilds the in-memory model through the service and it answers as before; verify agrees', async () => {
    const before = await answers();
    const listed = await cli(['--url', app.url, '--admin-key', ADMIN_KEY, '--json', 'projections:list']);
    expect(JSON.parse(listed.stdout).projections).toEqual([
      expect.objectContaining({ name: 'in-memory', state: 'live', lag: 0 }),
    ]);
    const rebuilt = await cli(['--url', app.url, '--admin-key', ADMIN_KEY, 'projections:rebuild', '--all']);
    expect(rebuilt).toMatchObject({ code: 0, stderr: '' });
    expect(rebuilt.stdout).toMatch(/^in-memory: rebuilt from \d+ events/);
    expect(await answers()).toEqual(before);
    const verified = await cli(['--url', app.url, '--admin-key', ADMIN_KEY, 'projections:verify', 'in-memory']);
    expect(verified).toMatchObject({ code: 0, stderr: '' });
    expect(verified.stdout).toMatch(/^in-memory: same as a replay of the log up to position \d+/);
  });

  it('refuses unknown names and a missing or doubled choice', async () => {
    const unknown = await cli(['--url', app.url, '--admin-key', ADMIN_KEY, 'projections:verify', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no projection nope; known: in-memory, all \(NOT_FOUND\)/);
    const neither = await cli(['--url', app.url, '--admin-key', ADMIN_KEY, 'projections:rebuild']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toMatch(/name one projection, or pass --all/);
    const both = await cli(['--url', app.url, '--admin-key', ADMIN_KEY, 'projections:verify', 'in-memory', '--all']);
    expect(both.code).toBe(1);
  });
});
