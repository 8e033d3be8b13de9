import { ADMISSION_PROCESS } from '../src/app/tokens';
import { AdmissionProcess } from '../src/write/queue/admission.process';
import { RunningApp } from './support/app';
import { sameUserOn, pollUntil, quickUsers } from './support/e2e';
import { EventStreamReader } from './support/event-stream';
import { TwoInstances, startTwoInstances } from './support/production';
import { describeWithProductionServices } from './support/services';

const leads = (running: RunningApp) => running.app.get<AdmissionProcess>(ADMISSION_PROCESS).isLeader;

/**
 * A stream is fed from the log, not from its instance's own writes: every
 * write here goes through instance B, whose admission process is the only
 * one running, and the stream is open on instance A.
 */
describeWithProductionServices('queue status event stream across two production instances', () => {
  let instances: TwoInstances | undefined;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    instances = await startTwoInstances('push', { QUEUE_ACTIVE_CAPACITY: '1', QUEUE_ACTIVE_TTL_SECONDS: '600' });
    ({ a, b } = instances);
  });
  afterAll(() => instances?.close());

  it('pushes to a stream on instance A the admission written by instance B', async () => {
    // Halted, A writes no admission at all (it keeps the flag of a lease it no longer renews).
    a.app.get<AdmissionProcess>(ADMISSION_PROCESS).halt();
    // A leader's lease lasts 3 s: B takes over once A's runs out.
    expect(await pollUntil(async () => leads(b), Boolean, 10_000)).toBe(true);

    const [buyer, waiter] = await quickUsers(b, 2, 'push');
    const concert = await b.client.createConcert(3);
    await buyer.joinAndWaitActive(concert.concertId);
    expect((await waiter.join(concert.concertId)).status).toBe(201);
    expect((await waiter.waitForStatus('WAITING')).body).toEqual(expect.objectContaining({ position: 1 }));

    const onA = sameUserOn(a.client, waiter);
    const opened = await EventStreamReader.open(a.url, EventStreamReader.headersOf(onA));
    expect(opened.status).toBe(200);
    const stream = opened.stream!;
    try {
      expect((await stream.next())!.data).toEqual(expect.objectContaining({ status: 'WAITING', position: 1 }));

      const { scheduleId, seatIds } = concert.schedules[0];
      const held = await buyer.hold(scheduleId, [seatIds[0]]);
      expect(held.status).toBe(201);
      expect((await buyer.charge(1000)).status).toBe(200);
      expect((await buyer.pay(held.body.reservationId)).status).toBe(201);

      const admitted = await stream.until((event) => event.data.status !== 'WAITING');
      expect(admitted!.data).toEqual({ status: 'ACTIVE', etaSeconds: 0 });
    } finally {
      stream.close();
    }
  });
});
