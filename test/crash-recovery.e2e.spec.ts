import { Faults, FaultPoint } from '../src/shared/faults';
import { RunningApp, startApp } from './support/app';
import { User } from './support/client';
import {
  allEvents,
  eventStoreOf,
  eventTypes,
  expectProblem,
  freshDataDir,
  makeActive,
  pollUntil,
  quickUsers,
  removeDataDirs,
  sameUserOn,
  seatIdsWith,
  seatMap,
} from './support/e2e';

/**
 * Invariant 6: a flow over several streams is a process manager whose progress
 * is in events, so a crash between any two of its steps is finished or
 * compensated after a restart. A crash is an armed fault point (the request
 * answers 500) followed by closing the app; recovery is a new app on the same
 * DATA_DIR whose sweeper re-runs flows left half-done.
 */
describe('crash recovery of the hold and pay process managers (Invariant 6)', () => {
  const PRICE = 1000;
  const CHARGED = 5000;

  type World = {
    dataDir: string;
    faults: Faults;
    first: RunningApp;
    alice: User;
    bob: User;
    concertId: string;
    scheduleId: string;
    seatIds: string[];
  };

  let second: RunningApp | undefined;
  let first: RunningApp | undefined;
  afterEach(async () => {
    await first?.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
    first = second = undefined;
  });
  afterAll(() => removeDataDirs());

  /** The app that will crash: its own recovery is switched off (stale after an hour), so only the restart can finish the flow. */
  async function world(): Promise<World> {
    const dataDir = await freshDataDir();
    const faults = new Faults();
    first = await startApp({ DATA_DIR: dataDir }, { faults, staleFlowMs: 3_600_000 });
    const concert = await first.client.createConcert(4, 1, PRICE);
    const [alice, bob] = await quickUsers(first, 2, 'k');
    await makeActive([alice, bob], concert.concertId);
    const { scheduleId, seatIds } = concert.schedules[0];
    return { dataDir, faults, first, alice, bob, concertId: concert.concertId, scheduleId, seatIds };
  }

  /** Arms the point, expects the request to die with a clean 500, and disarms. */
  async function crashDuring(w: World, point: FaultPoint, request: () => Promise<{ status: number }>) {
    w.faults.arm(point);
    const response = await request();
    w.faults.disarm();
    expectProblem(response as never, 500, 'INTERNAL_ERROR');
  }

  /** "Kills" the first app and boots a new one on the same log, with recovery switched on. */
  async function restart(w: World) {
    await w.first.close();
    first = undefined;
    second = await startApp({ DATA_DIR: w.dataDir }, { tickMs: 50, staleFlowMs: 300 });
    return { running: second, alice: sameUserOn(second.client, w.alice), bob: sameUserOn(second.client, w.bob) };
  }

  async function reservationIdOf(running: RunningApp, userId: string): Promise<string> {
    const requested = (await allEvents(running)).filter(
      (e) => e.type === 'ReservationRequested' && (e.data as { userId: string }).userId === userId,
    );
    expect(requested).toHaveLength(1);
    return (requested[0].data as { reservationId: string }).reservationId;
  }

  /** Folds each seat's stream: which reservation holds it now (and whether sold). */
  async function seatHolders(running: RunningApp, seatIds: readonly string[]) {
    const store = eventStoreOf(running);
    const holders = new Map<string, { holder?: string; soldTo?: string }>();
    for (const seatId of seatIds) {
      let holder: string | undefined;
      let soldTo: string | undefined;
      for (const event of await store.readStream(`Seat-${seatId}`)) {
        const { reservationId } = event.data as { reservationId: string };
        if (event.type === 'SeatHeld') holder = reservationId;
        else if (event.type === 'SeatReleased' && holder === reservationId) holder = soldTo = undefined;
        else if (event.type === 'SeatSold') soldTo = reservationId;
      }
      holders.set(seatId, { holder, soldTo });
    }
    return holders;
  }

  /** Polls the log until the hold flow has an outcome and, if rejected, has let go of every seat. */
  async function settledHold(running: RunningApp, reservationId: string, seatIds: readonly string[]) {
    const store = eventStoreOf(running);
    return pollUntil(
      async () => {
        const types = eventTypes(await store.readStream(`Reservation-${reservationId}`));
        const holders = await seatHolders(running, seatIds);
        const stillHeld = seatIds.filter((id) => holders.get(id)?.holder === reservationId);
        return { types, stillHeld };
      },
      ({ types, stillHeld }) =>
        types.includes('ReservationHeld') || (types.includes('ReservationRejected') && stillHeld.length === 0),
      8_000,
      100,
    );
  }

  /** Whichever way a hold flow ended, it ended all-or-nothing, and every answer agrees with the log. */
  async function expectHoldFinishedOrCompensated(
    running: RunningApp,
    alice: User,
    reader: User,
    reservationId: string,
    asked: string[],
    scheduleId: string,
  ): Promise<'confirmed' | 'compensated'> {
    const outcome = await settledHold(running, reservationId, asked);
    const head = await eventStoreOf(running).headPosition();
    const seats = await seatMap(reader, scheduleId, head);
    const view = await alice.call('GET', `/v1/reservations/${reservationId}`, undefined, {
      'x-min-position': String(head),
    });
    if (outcome.types.includes('ReservationHeld')) {
      expect(outcome.types).not.toContain('ReservationRejected');
      expect(outcome.stillHeld).toEqual(asked);
      expect(view.status).toBe(200);
      expect(view.body).toEqual(expect.objectContaining({ reservationId, status: 'HELD', seatIds: asked }));
      for (const id of asked) expect(seats.find((s) => s.seatId === id)?.status).toBe('HELD');
      return 'confirmed';
    }
    expect(outcome.types).toEqual(expect.arrayContaining(['ReservationRequested', 'ReservationRejected']));
    expect(outcome.stillHeld).toEqual([]);
    expectProblem(view, 404, 'RESERVATION_NOT_FOUND');
    return 'compensated';
  }

  describe('hold flow', () => {
    it.each(['hold:after-request', 'hold:after-seat'] as const)(
      'a crash at %s with every seat free is finished (or compensated) on restart, all-or-nothing',
      async (point) => {
        const w = await world();
        const asked = w.seatIds.slice(0, 2);
        await crashDuring(w, point, () => w.alice.hold(w.scheduleId, asked));
        const reservationId = await reservationIdOf(w.first, w.alice.userId);

        const { running, alice, bob } = await restart(w);
        const outcome = await expectHoldFinishedOrCompensated(running, alice, bob, reservationId, asked, w.scheduleId);
        const seats = await seatMap(bob, w.scheduleId, await eventStoreOf(running).headPosition());
        if (outcome === 'confirmed') {
          // A finished hold is a real one: it can be paid.
          expect((await alice.charge(CHARGED)).status).toBe(200);
          const paid = await alice.pay(reservationId);
          expect(paid.status).toBe(201);
          expect(paid.body).toEqual(
            expect.objectContaining({ reservationId, amount: 2 * PRICE, balance: CHARGED - 2 * PRICE }),
          );
        } else {
          expect(seatIdsWith(seats, 'AVAILABLE')).toEqual([...w.seatIds].sort());
        }
      },
    );

    it('a crash at hold:after-request whose seat is then taken by someone else is compensated: nothing of it stays held', async () => {
      const w = await world();
      const asked = w.seatIds.slice(0, 2);
      await crashDuring(w, 'hold:after-request', () => w.alice.hold(w.scheduleId, asked));
      const reservationId = await reservationIdOf(w.first, w.alice.userId);
      // Before the restart, Bob takes one of the seats the orphaned request wanted.
      const bobs = await w.bob.hold(w.scheduleId, [asked[1]]);
      expect(bobs.status).toBe(201);

      const { running, alice, bob } = await restart(w);
      expect(await expectHoldFinishedOrCompensated(running, alice, bob, reservationId, asked, w.scheduleId)).toBe(
        'compensated',
      );
      const seats = await seatMap(bob, w.scheduleId, await eventStoreOf(running).headPosition());
      expect(seatIdsWith(seats, 'HELD')).toEqual([asked[1]]);
      expect(seatIdsWith(seats, 'AVAILABLE')).toEqual(w.seatIds.filter((id) => id !== asked[1]).sort());
      expect((await bob.call('GET', `/v1/reservations/${bobs.body.reservationId}`)).body.status).toBe('HELD');
    });

    it('a crash at hold:after-seat when another seat was already taken is compensated: the seats it took are released', async () => {
      const w = await world();
      const bobs = await w.bob.hold(w.scheduleId, [w.seatIds[2]]);
      expect(bobs.status).toBe(201);
      const asked = w.seatIds.slice(0, 3);
      await crashDuring(w, 'hold:after-seat', () => w.alice.hold(w.scheduleId, asked));
      const reservationId = await reservationIdOf(w.first, w.alice.userId);
      // The crash left the first two seats held by a pending reservation.
      const before = await seatHolders(w.first, asked);
      expect(asked.map((id) => before.get(id)?.holder)).toEqual([
        reservationId,
        reservationId,
        bobs.body.reservationId,
      ]);

      const { running, alice, bob } = await restart(w);
      expect(await expectHoldFinishedOrCompensated(running, alice, bob, reservationId, asked, w.scheduleId)).toBe(
        'compensated',
      );
      const seats = await seatMap(bob, w.scheduleId, await eventStoreOf(running).headPosition());
      expect(seatIdsWith(seats, 'HELD')).toEqual([w.seatIds[2]]);
      expect(seatIdsWith(seats, 'AVAILABLE')).toEqual(w.seatIds.filter((id) => id !== w.seatIds[2]).sort());
    });
  });

  describe('pay flow', () => {
    it.each(['pay:after-start', 'pay:after-debit', 'pay:after-seats'] as const)(
      'a crash at %s is finished on restart: PAID, seats SOLD, wallet debited exactly once, token DONE',
      async (point) => {
        const w = await world();
        const asked = w.seatIds.slice(0, 2);
        const held = await w.alice.hold(w.scheduleId, asked);
        expect(held.status).toBe(201);
        const { reservationId } = held.body;
        expect((await w.alice.charge(CHARGED)).status).toBe(200);
        await crashDuring(w, point, () => w.alice.pay(reservationId));

        const { running, alice, bob } = await restart(w);
        const view = await pollUntil(
          () => alice.call('GET', `/v1/reservations/${reservationId}`),
          (r) => r.body?.status === 'PAID',
          8_000,
          100,
        );
        expect(view.body).toEqual(
          expect.objectContaining({ reservationId, status: 'PAID', seatIds: asked, amount: 2 * PRICE }),
        );
        const head = await eventStoreOf(running).headPosition();
        const after = { 'x-min-position': String(head) };

        expect((await alice.call('GET', '/v1/wallet', undefined, after)).body).toEqual({
          balance: CHARGED - 2 * PRICE,
        });
        const seats = await seatMap(bob, w.scheduleId, head);
        expect(seatIdsWith(seats, 'SOLD')).toEqual([...asked].sort());
        expect(seatIdsWith(seats, 'HELD')).toEqual([]);
        expect((await alice.status()).body.status).toBe('DONE');

        const store = eventStoreOf(running);
        const wallet = eventTypes(await store.readStream(`Wallet-${alice.userId}`));
        expect(wallet.filter((t) => t === 'WalletDebited')).toHaveLength(1);
        expect(wallet).not.toContain('WalletRefunded');
        for (const seatId of asked) {
          expect(eventTypes(await store.readStream(`Seat-${seatId}`))).toEqual(['SeatHeld', 'SeatSold']);
        }
        const reservation = eventTypes(await store.readStream(`Reservation-${reservationId}`));
        expect(reservation.filter((t) => t === 'ReservationPaid')).toHaveLength(1);
        expect(reservation).not.toContain('PaymentFailed');

        // Paying again is refused and charges nothing more.
        expectProblem(await alice.pay(reservationId), 409, 'ALREADY_PAID');
        expect((await alice.call('GET', '/v1/wallet')).body).toEqual({ balance: CHARGED - 2 * PRICE });
      },
    );

    it('a crash at pay:after-start that could never be paid (empty wallet) is compensated: still HELD, nothing debited, payable later', async () => {
      const w = await world();
      const asked = w.seatIds.slice(0, 2);
      const held = await w.alice.hold(w.scheduleId, asked);
      expect(held.status).toBe(201);
      const { reservationId } = held.body;
      await crashDuring(w, 'pay:after-start', () => w.alice.pay(reservationId));

      const { running, alice, bob } = await restart(w);
      const store = eventStoreOf(running);
      const types = await pollUntil(
        async () => eventTypes(await store.readStream(`Reservation-${reservationId}`)),
        (t) => t.includes('PaymentFailed'),
        8_000,
        100,
      );
      expect(types).toEqual(['ReservationRequested', 'ReservationHeld', 'PaymentStarted', 'PaymentFailed']);
      const head = await store.headPosition();
      expect(
        (await alice.call('GET', `/v1/reservations/${reservationId}`, undefined, { 'x-min-position': String(head) }))
          .body.status,
      ).toBe('HELD');
      expect((await alice.call('GET', '/v1/wallet')).body).toEqual({ balance: 0 });
      expect(seatIdsWith(await seatMap(bob, w.scheduleId, head), 'HELD')).toEqual([...asked].sort());

      expect((await alice.charge(CHARGED)).status).toBe(200);
      const paid = await alice.pay(reservationId);
      expect(paid.status).toBe(201);
      expect(paid.body).toEqual(
        expect.objectContaining({ reservationId, amount: 2 * PRICE, balance: CHARGED - 2 * PRICE }),
      );
    });
  });
});
