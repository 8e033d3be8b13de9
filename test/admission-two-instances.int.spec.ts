import { ADMISSION_PROCESS } from '../src/app/tokens';
import { AdmissionProcess } from '../src/write/queue/admission.process';
import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import { describeWithService } from './support/services';

const poll = async (check: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
};

describeWithService('DATABASE_URL', 'admission with two instances on one PostgreSQL event store', (url) => {
  let a: RunningApp;
  let b: RunningApp;
  const env = { DATABASE_URL: url, QUEUE_ACTIVE_CAPACITY: '3', QUEUE_ACTIVE_TTL_SECONDS: '600' };

  beforeAll(async () => {
    a = await startApp({ ...env, INSTANCE_ID: 'instance-a' });
    b = await startApp({ ...env, INSTANCE_ID: 'instance-b' });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  const statuses = async (users: User[]) =>
    Promise.all(users.map(async (u) => (await u.status()).body as { status: string; position?: number }));

  it('admits FIFO up to capacity with exactly one leader, and fails over when the leader dies', async () => {
    const concert = await a.client.createConcert(10);
    const users: User[] = [];
    for (let i = 0; i < 8; i++) {
      const user = await (i % 2 === 0 ? a : b).client.user();
      await user.join(concert.concertId);
      users.push(user);
    }

    const leaders = [a, b].filter((r) => r.app.get<AdmissionProcess>(ADMISSION_PROCESS).isLeader);
    expect(leaders).toHaveLength(1);

    expect(
      await poll(async () => (await statuses(users)).filter((s) => s.status === 'ACTIVE').length === 3, 5_000),
    ).toBe(true);
    // Several more ticks of both instances must not admit anyone else.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const settled = await statuses(users);
    expect(settled.map((s) => s.status)).toEqual([
      'ACTIVE',
      'ACTIVE',
      'ACTIVE',
      'WAITING',
      'WAITING',
      'WAITING',
      'WAITING',
      'WAITING',
    ]);
    expect(settled.slice(3).map((s) => s.position)).toEqual([1, 2, 3, 4, 5]);

    // The leader dies without handing over its lease.
    const [leader] = leaders;
    leader.app.get<AdmissionProcess>(ADMISSION_PROCESS).halt();
    const survivor = leader === a ? b : a;

    const buyer = users[0];
    const { scheduleId, seatIds } = concert.schedules[0];
    const hold = await buyer.hold(scheduleId, [seatIds[0]]);
    expect(hold.status).toBe(201);
    await buyer.charge(1000);
    expect((await buyer.pay(hold.body.reservationId)).status).toBe(201);

    // The lease lasts 3 s, so the survivor must take over and admit well inside 5 s.
    const admitted = await poll(async () => (await users[3].status()).body.status === 'ACTIVE', 5_000);
    expect(admitted).toBe(true);
    expect(survivor.app.get<AdmissionProcess>(ADMISSION_PROCESS).isLeader).toBe(true);

    const after = await statuses(users);
    expect(after.filter((s) => s.status === 'ACTIVE')).toHaveLength(3);
    expect(after[0].status).toBe('DONE');
    expect(after.slice(4).map((s) => s.position)).toEqual([1, 2, 3, 4]);
  });
});
