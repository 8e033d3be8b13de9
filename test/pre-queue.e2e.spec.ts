import { ADMISSION_PROCESS } from '../src/app/tokens';
import type { RecordedEvent } from '../src/event-store/event-store.port';
import { preQueueOrder } from '../src/shared/pre-queue-order';
import type { QueueAdmitted, QueueOpened } from '../src/write/queue/admission.decider';
import type { QueueJoined } from '../src/write/queue/queue-entry.decider';
import { AdmissionProcess } from '../src/write/queue/admission.process';
import { ADMIN_KEY, RunningApp, startApp } from './support/app';
import { TestClock } from './support/clocks';
import { independenceChiSquare } from './support/chi-square';
import { User } from './support/client';
import { allEvents, expectProblem, registeredUsers, removeDataDirs, tempDataDir } from './support/e2e';

const admin = { 'x-admin-key': ADMIN_KEY };
const EARLY = 1_000;
const CAPACITY = 100;
const HOUR = 3_600_000;

type Status = { status: string; position?: number; etaSeconds: number | null };

/**
 * A scheduled opening: 1,000 users join before it, the admission leader
 * shuffles them at onSaleAt, later joins queue behind them. The shuffle is
 * checked against the seed in QueueOpened, against join order (chi-square),
 * and against a restart that replays the log.
 */
describe('scheduled opening with a pre-queue', () => {
  const clock = new TestClock(Date.now());
  const dataDir = tempDataDir();
  const env = { DATA_DIR: dataDir, QUEUE_ACTIVE_CAPACITY: String(CAPACITY), QUEUE_ACTIVE_TTL_SECONDS: '3600' };
  let running: RunningApp;
  let concertId: string;
  let early: User[];

  const start = async () => {
    running = await startApp(env, { clock });
  };
  /** Two ticks: the second one surely began after the caller's last change. */
  const settle = async () => {
    const admission = running.app.get<AdmissionProcess>(ADMISSION_PROCESS);
    await admission.tick();
    await admission.tick();
  };
  const patch = (body: unknown, headers: Record<string, string> = admin) =>
    running.client.request('PATCH', `/v1/admin/concerts/${concertId}`, { headers, body });
  const headPosition = async () => (await allEvents(running)).at(-1)!.position;
  const statuses = async (users: readonly User[]): Promise<Status[]> => {
    const minPosition = String(await headPosition());
    const read: Status[] = [];
    for (let i = 0; i < users.length; i += 100) {
      const page = users.slice(i, i + 100);
      const answers = await Promise.all(
        page.map((u) => u.call<Status>('GET', '/v1/queue/status', undefined, { 'x-min-position': minPosition })),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        read.push(answer.body);
      }
    }
    return read;
  };
  const eventsOf = async <T>(type: string) =>
    (await allEvents(running)).filter(
      (e): e is RecordedEvent & { data: T } =>
        e.type === type && (e.data as { concertId?: string }).concertId === concertId,
    );

  beforeAll(async () => {
    await start();
    const created = await running.client.request('POST', '/v1/admin/concerts', {
      headers: admin,
      body: {
        title: 'Opening at noon',
        schedules: [{ startsAt: '2030-01-01T19:00:00.000Z', seats: [{ seatNo: 1, price: 10 }] }],
        onSaleAt: new Date(clock.ms + HOUR).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    concertId = created.body.concertId;
    early = await registeredUsers(running, EARLY, 'early');
  });
  afterAll(async () => {
    await running.close();
    removeDataDirs();
  });

  it('answers 201 PRE_QUEUE with no place and the time to the opening', async () => {
    for (let i = 0; i < early.length; i += 50) {
      const joined = await Promise.all(early.slice(i, i + 50).map((user) => user.join(concertId)));
      for (const answer of joined) {
        expect(answer.status).toBe(201);
        expect(answer.body).toEqual({ queueToken: expect.any(String), status: 'PRE_QUEUE', etaSeconds: 3600 });
      }
    }
    await settle();
    clock.ms += 60_000;
    await settle();
    const read = await statuses(early);
    expect(read.every((s) => s.status === 'PRE_QUEUE' && s.position === undefined && s.etaSeconds === 3540)).toBe(true);
    expect(await eventsOf('QueueAdmitted')).toHaveLength(0);
  });

  it('PATCH moves the opening while it is ahead, and ETAs follow; bad input is refused', async () => {
    const opensAt = new Date(clock.ms + 30 * 60_000).toISOString();
    const moved = await patch({ onSaleAt: opensAt });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ concertId, onSaleAt: opensAt });
    expect(Number(moved.headers.get('x-event-position'))).toBeGreaterThan(0);
    expect((await statuses(early.slice(0, 3))).map((s) => s.etaSeconds)).toEqual([1800, 1800, 1800]);

    expectProblem(await patch({ onSaleAt: new Date(clock.ms - 1).toISOString() }), 400, 'VALIDATION_FAILED');
    expectProblem(await patch({ onSaleAt: 'tomorrow' }), 400, 'VALIDATION_FAILED');
    expectProblem(await patch({ onSaleAt: opensAt, title: 'x' }), 400, 'VALIDATION_FAILED');
    expect((await patch({ onSaleAt: opensAt }, {})).status).toBe(401);
    const unknown = await running.client.request('PATCH', `/v1/admin/concerts/${crypto.randomUUID()}`, {
      headers: admin,
      body: { onSaleAt: opensAt },
    });
    expectProblem(unknown, 404, 'CONCERT_NOT_FOUND');
  });

  it('at onSaleAt, shuffles the pre-queue by the seed it records; later joins queue behind, FIFO', async () => {
    clock.ms += 30 * 60_000;
    await settle();
    await settle();
    const opened = await eventsOf<QueueOpened['data']>('QueueOpened');
    expect(opened).toHaveLength(1);
    expectProblem(await patch({ onSaleAt: new Date(clock.ms + HOUR).toISOString() }), 409, 'ON_SALE_STARTED');

    const late = await registeredUsers(running, 3, 'late');
    for (const [i, user] of late.entries()) {
      const joined = await user.join(concertId);
      expect(joined.status).toBe(201);
      expect(joined.body).toMatchObject({ status: 'WAITING', position: EARLY - CAPACITY + i + 1 });
    }

    // Where each early user stands in admission order: the admitted first, in the order admitted, then by place.
    const joins = (await eventsOf<QueueJoined['data']>('QueueJoined')).filter((e) => e.position < opened[0].position);
    const joinIndex = new Map(joins.map((e, i) => [e.data.userId, i]));
    const admittedOrder = (await eventsOf<QueueAdmitted['data']>('QueueAdmitted')).flatMap((e) =>
      e.data.entries.map((entry) => entry.userId),
    );
    expect(admittedOrder).toHaveLength(CAPACITY);
    const read = await statuses(early);
    const standing = early.map((user, i) =>
      read[i].status === 'ACTIVE' ? admittedOrder.indexOf(user.userId) : CAPACITY + read[i].position! - 1,
    );
    expect([...standing].sort((a, b) => a - b)).toEqual(Array.from({ length: EARLY }, (_, i) => i));

    // The order is the seed's, and it keeps no trace of who came first.
    const order = preQueueOrder(EARLY, opened[0].data.seed);
    const expected = early.map((user) => order.indexOf(joinIndex.get(user.userId)!));
    expect(standing).toEqual(expected);
    const pairs = early.map((user, i) => [joinIndex.get(user.userId)!, standing[i]] as const);
    const { statistic, critical } = independenceChiSquare(pairs, EARLY, 10);
    expect(statistic).toBeLessThan(critical);
  });

  it('a restart replays the log to the same places', async () => {
    const before = await statuses(early);
    await running.close();
    await start();
    // The same users and tokens, speaking to the new process.
    early = early.map((user) => {
      const moved = new User(running.client, user.userId, user.accessToken);
      moved.queueToken = user.queueToken;
      return moved;
    });
    expect(await statuses(early)).toEqual(before);
    // The rejoin of a pre-queue user answers the place the shuffle gave, not PRE_QUEUE.
    const waiting = early.find((_, i) => before[i].status === 'WAITING')!;
    const again = await waiting.join(concertId);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'WAITING', position: before[early.indexOf(waiting)].position });
  });
});
