import { Faults } from '../src/shared/faults';
import { RunningApp, startApp } from './support/app';
import { EventStreamReader } from './support/event-stream';
import { eventStoreOf, makeActive, makeUsers, pollUntil, removeDataDirs, sameUserOn, tempDataDir } from './support/e2e';
import { SteppedClock } from './support/clocks';
import { WAITLIST_SETTINGS, until, waitlistEnv, waitlistScenario } from './support/waitlist';

const POLL_MS = 20_000;
const HOLD_TTL_SECONDS = WAITLIST_SETTINGS.holdTtlSeconds;

describe('waiting list for a sold-out schedule', () => {
  const clock = new SteppedClock();
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp({ DATA_DIR: tempDataDir(), ...waitlistEnv() }, { clock });
  });
  afterAll(() => running.close());

  it('hands a freed seat to the users waiting, in join order, one offer at a time', () =>
    waitlistScenario(running.client, clock, eventStoreOf(running)));

  it("announces the offer on the user's queue event stream", async () => {
    const concert = await running.client.createConcert(1);
    const { scheduleId, seatIds } = concert.schedules[0];
    const [holder, waiter] = await makeUsers(running.client, 2, 'sse');
    await makeActive([holder, waiter], concert.concertId);
    expect((await holder.hold(scheduleId, seatIds)).status).toBe(201);
    expect((await waiter.call('POST', `/v1/schedules/${scheduleId}/waitlist`)).status).toBe(201);
    const opened = await EventStreamReader.open(running.url, EventStreamReader.headersOf(waiter));
    const stream = opened.stream!;
    try {
      clock.advance(HOLD_TTL_SECONDS + 1);
      const offer = await stream.until((e) => e.event === 'waitlist-offer');
      expect(offer?.data).toEqual({
        scheduleId,
        reservationId: expect.any(String),
        seatIds,
        expiresAt: expect.any(String),
      });
      const entry = await until(waiter, scheduleId, (e) => e?.status === 'OFFERED');
      expect(entry?.offer).toMatchObject({
        reservationId: (offer?.data as unknown as { reservationId: string }).reservationId,
      });
    } finally {
      stream.close();
    }
  });
});

describe('waiting list offers across a crash', () => {
  const clock = new SteppedClock();
  const env = { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), WAITLIST_OFFER_SECONDS: '600' };
  afterAll(() => removeDataDirs());

  it('an offer written to the ledger by a process that died before holding the seat is held by the next leader', async () => {
    const dataDir = tempDataDir();
    const faults = new Faults();
    const before = await startApp({ DATA_DIR: dataDir, ...env }, { clock, faults });
    let after: RunningApp | undefined;
    try {
      const concert = await before.client.createConcert(1);
      const { scheduleId, seatIds } = concert.schedules[0];
      const [holder, waiter] = await makeUsers(before.client, 2, 'k');
      await makeActive([holder, waiter], concert.concertId);
      expect((await holder.hold(scheduleId, seatIds)).status).toBe(201);
      expect((await waiter.call('POST', `/v1/schedules/${scheduleId}/waitlist`)).status).toBe(201);
      expect(await until(waiter, scheduleId, (e) => e?.place === 1)).toMatchObject({ place: 1 });

      faults.arm('waitlist:after-offer');
      clock.advance(HOLD_TTL_SECONDS + 1);
      const store = eventStoreOf(before);
      const offered = await pollUntil(
        async () => (await store.readAll(0, 100_000, { types: ['WaitlistOffered'] }))[0],
        (event) => event !== undefined,
        POLL_MS,
      );
      const { reservationId } = offered.data as { reservationId: string };
      expect(await store.readStream(`Reservation-${reservationId}`)).toEqual([]);
      await before.close();

      after = await startApp({ DATA_DIR: dataDir, ...env }, { clock });
      const moved = sameUserOn(after.client, waiter);
      const entry = await until(moved, scheduleId, (e) => e?.status === 'OFFERED');
      expect(entry).toMatchObject({ status: 'OFFERED', offer: { reservationId, seatIds } });
      const reservation = await pollUntil(
        () => moved.call('GET', `/v1/reservations/${reservationId}`),
        (r) => r.body?.status === 'HELD',
        POLL_MS,
      );
      expect(reservation.body).toMatchObject({ status: 'HELD', seatIds });
    } finally {
      await after?.close();
    }
  });
});
