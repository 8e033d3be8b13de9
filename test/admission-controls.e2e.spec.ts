import { RecordedEvent } from '../src/event-store/event-store.port';
import { ADMISSION_PROCESS } from '../src/app/tokens';
import { AdmissionProcess } from '../src/write/queue/admission.process';
import type { QueueAdmitted } from '../src/write/queue/admission.decider';
import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { TestClock } from './support/clocks';
import { User } from './support/client';
import { allEvents, expectProblem, quickUsers, removeDataDirs, tempDataDir } from './support/e2e';

const admin = { 'x-admin-key': ADMIN_KEY };

/** Admission controls: pause and resume, and the inflow rate, on the leader and on every answer. */
describe('admission controls', () => {
  const clock = new TestClock(Date.now());
  let running: RunningApp;
  let admission: AdmissionProcess;

  beforeAll(async () => {
    running = await startApp(
      { DATA_DIR: tempDataDir(), QUEUE_ACTIVE_CAPACITY: '1000', QUEUE_ACTIVE_TTL_SECONDS: '600' },
      { clock },
    );
    admission = running.app.get<AdmissionProcess>(ADMISSION_PROCESS);
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  /** Two ticks: the second one surely began after the caller's last change (the first may have been under way). */
  const settle = async () => {
    await admission.tick();
    await admission.tick();
  };
  const control = (concertId: string, action: 'pause' | 'resume') =>
    running.client.request('POST', `/v1/admin/concerts/${concertId}/admission/${action}`, { headers: admin });
  const setRate = (concertId: string, body: unknown) =>
    running.client.request('PUT', `/v1/admin/concerts/${concertId}/admission`, { headers: admin, body });
  const statuses = async (users: readonly User[]) =>
    Promise.all(
      users.map(
        async (u) => (await u.status()).body as { status: string; position?: number; etaSeconds: number | null },
      ),
    );

  async function createConcert(settings: Record<string, unknown> = {}): Promise<string> {
    const response = await running.client.request('POST', '/v1/admin/concerts', {
      headers: admin,
      body: {
        title: 'On sale',
        schedules: [{ startsAt: '2030-01-01T19:00:00.000Z', seats: [{ seatNo: 1, price: 10 }] }],
        ...settings,
      },
    });
    expect(response.status).toBe(201);
    return response.body.concertId as string;
  }

  it('pause: joins and status answer PAUSED with a place and no ETA; resume admits them, in join order', async () => {
    const concertId = await createConcert();
    const paused = await control(concertId, 'pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({ concertId, paused: true, admitPerMinute: null });
    expect(Number(paused.headers.get('x-event-position'))).toBeGreaterThan(0);
    // Pausing again is a no-op that answers the same.
    expect((await control(concertId, 'pause')).body).toEqual({ concertId, paused: true, admitPerMinute: null });

    const users = await quickUsers(running, 3, 'p');
    for (const [i, user] of users.entries()) {
      const joined = await user.join(concertId);
      expect(joined.status).toBe(201);
      expect(joined.body).toMatchObject({ status: 'PAUSED', position: i + 1, etaSeconds: null });
    }
    await settle();
    clock.ms += 60_000;
    await settle();
    expect(await statuses(users)).toEqual(
      [1, 2, 3].map((position) => ({ status: 'PAUSED', position, etaSeconds: null })),
    );

    const resumed = await control(concertId, 'resume');
    expect(resumed.body).toEqual({ concertId, paused: false, admitPerMinute: null });
    await settle();
    expect((await statuses(users)).map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
  });

  it('an ACTIVE user keeps the slot through a pause; only the waiting read PAUSED', async () => {
    const concertId = await createConcert();
    const [first, second] = await quickUsers(running, 2, 'k');
    await first.join(concertId);
    await settle();
    expect((await first.status()).body.status).toBe('ACTIVE');
    await control(concertId, 'pause');
    await second.join(concertId);
    await settle();
    expect((await statuses([first, second])).map((s) => s.status)).toEqual(['ACTIVE', 'PAUSED']);
    expect((await first.call('GET', `/v1/concerts/${concertId}/schedules`)).status).toBe(200);
  });

  it('admits at most admitPerMinute, spread over the minute (within 10 % over 30 simulated seconds)', async () => {
    const rate = 120;
    const concertId = await createConcert({ admitPerMinute: rate });
    const users = await quickUsers(running, 75, 'r');
    const from = (await allEvents(running)).at(-1)!.position;
    await Promise.all(users.map((user) => user.join(concertId)));
    const steps = 60;
    for (let step = 0; step < steps; step += 1) {
      await settle();
      clock.ms += 500;
    }
    await settle();
    const admissions = (await allEvents(running)).filter(
      (e): e is RecordedEvent & { data: QueueAdmitted['data'] } =>
        e.position > from && e.type === 'QueueAdmitted' && (e.data as QueueAdmitted['data']).concertId === concertId,
    );
    const admitted = admissions.reduce((n, e) => n + e.data.entries.length, 0);
    const expected = (rate * (steps * 500)) / 60_000;
    expect(admitted).toBeGreaterThanOrEqual(expected * 0.9);
    expect(admitted).toBeLessThanOrEqual(expected * 1.1);
    // Smooth: no admission takes more than one second of inflow (2 at 120 a minute).
    expect(Math.max(...admissions.map((e) => e.data.entries.length))).toBeLessThanOrEqual(2);

    const read = await statuses(users);
    expect(read.filter((s) => s.status === 'ACTIVE')).toHaveLength(admitted);
    for (const waiting of read.filter((s) => s.status === 'WAITING')) {
      // Never sooner than the rate allows.
      expect(waiting.etaSeconds).toBeGreaterThanOrEqual(Math.ceil((waiting.position! * 60) / rate));
    }

    // Lifting the limit lets the rest in at once.
    const lifted = await setRate(concertId, { admitPerMinute: null });
    expect(lifted.body).toEqual({ concertId, paused: false, admitPerMinute: null });
    await settle();
    expect((await statuses(users)).every((s) => s.status === 'ACTIVE')).toBe(true);
  });

  it('PUT admission sets the rate the leader and the ETA use', async () => {
    const concertId = await createConcert();
    const set = await setRate(concertId, { admitPerMinute: 6 });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ concertId, paused: false, admitPerMinute: 6 });
    const users = await quickUsers(running, 3, 's');
    for (const user of users) await user.join(concertId);
    await settle();
    const read = await statuses(users);
    expect(read.map((s) => s.status)).toEqual(['ACTIVE', 'WAITING', 'WAITING']);
    // Position 1 at 6 a minute: at least 10 s.
    expect(read[1]).toMatchObject({ position: 1 });
    expect(read[1].etaSeconds).toBeGreaterThanOrEqual(10);
    clock.ms += 10_000;
    await settle();
    expect((await statuses(users)).map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE', 'WAITING']);
  });

  it('refuses bad input, unknown concerts and missing admin keys with problem+json', async () => {
    const concertId = await createConcert();
    expectProblem(await setRate(concertId, { admitPerMinute: 0 }), 400, 'VALIDATION_FAILED');
    expectProblem(await setRate(concertId, { admitPerMinute: 1.5 }), 400, 'VALIDATION_FAILED');
    expectProblem(await setRate(concertId, { admitPerMinute: 5, extra: 1 }), 400, 'VALIDATION_FAILED');
    expectProblem(await setRate(concertId, {}), 400, 'VALIDATION_FAILED');
    expectProblem(await control(crypto.randomUUID(), 'pause'), 404, 'CONCERT_NOT_FOUND');
    expectProblem(await control('not-an-id', 'pause'), 404, 'CONCERT_NOT_FOUND');
    const anonymous = await running.client.request('POST', `/v1/admin/concerts/${concertId}/admission/pause`);
    expect(anonymous.status).toBe(401);
    const created = await running.client.request('POST', '/v1/admin/concerts', {
      headers: admin,
      body: {
        title: 'x',
        schedules: [{ startsAt: '2030-01-01T19:00:00.000Z', seats: [{ seatNo: 1, price: 1 }] }],
        admitPerMinute: -1,
      },
    });
    expectProblem(created, 400, 'VALIDATION_FAILED');
  });
});
