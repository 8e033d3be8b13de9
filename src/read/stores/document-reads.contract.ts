import { RecordedEvent } from '../../event-store/event-store.port';
import { ProjectionSink } from '../../projections/projection-sink';
import { Event } from '../../shared/decider';
import { MINUTE, SECOND, T0, iso, mulberry32, recorded, redeliveries } from '../../shared/given-when-then';
import { seatIdOf } from '../../write/catalog/concert.decider';
import { DocumentReads, SeatRead } from './read-store.port';

export type DocumentReadsFixture = {
  readonly sink: ProjectionSink;
  readonly reads: DocumentReads;
  /** Another instance's sink writing into the same store. */
  readonly secondSink: () => Promise<ProjectionSink>;
  cleanup(): Promise<void>;
};

/** Every hold of the log is still running… */
const NOW = T0 + MINUTE;
/** …and every one has run out. */
const LATER = T0 + 10 * MINUTE;
const HOLD_UNTIL = T0 + 5 * MINUTE;

type Seats = [seatNo: number, price: number][];

export const concertCreated = (
  concertId: string,
  title: string,
  schedules: [scheduleId: string, startsAt: string, seats: Seats][],
): Event => ({
  type: 'ConcertCreated',
  data: {
    concertId,
    title,
    schedules: schedules.map(([scheduleId, startsAt, seats]) => ({
      scheduleId,
      startsAt,
      seats: seats.map(([seatNo, price]) => ({ seatId: seatIdOf(scheduleId, seatNo), seatNo, price })),
    })),
  },
});
export const seatHeld = (seatId: string, reservationId: string, until = HOLD_UNTIL): Event => ({
  type: 'SeatHeld',
  data: { seatId, reservationId, userId: `u-${reservationId}`, expiresAt: iso(until) },
});
export const seatSold = (seatId: string, reservationId: string): Event => ({
  type: 'SeatSold',
  data: { seatId, reservationId, paymentId: `pay-${reservationId}` },
});
export const seatReleased = (seatId: string, reservationId: string, reason = 'expired'): Event => ({
  type: 'SeatReleased',
  data: { seatId, reservationId, reason },
});
export const requested = (
  reservationId: string,
  userId: string,
  scheduleId: string,
  seatIds: string[],
  amount: number,
  expiresAt = HOLD_UNTIL,
): Event => ({
  type: 'ReservationRequested',
  data: {
    reservationId,
    userId,
    concertId: 'alpha',
    scheduleId,
    queueEntryId: `q-${reservationId}`,
    seatIds,
    amount,
    expiresAt: iso(expiresAt),
  },
});
export const reservationEvent = (type: string, reservationId: string, data: object = {}): Event => ({
  type,
  data: { reservationId, ...data },
});
export const walletEvent = (type: string, userId: string, amount: number, balance: number): Event => ({
  type,
  data: {
    userId,
    amount,
    balance,
    ...(type === 'WalletCharged' ? { chargeId: `c-${balance}` } : { paymentId: 'pay' }),
  },
});

/** Positions dense from 1, one second apart. */
export function log(...events: Event[]): RecordedEvent[] {
  const stream = (event: Event) => {
    const data = event.data as Record<string, string>;
    if (event.type.startsWith('Seat')) return `Seat-${data.seatId}`;
    if (event.type.startsWith('Wallet')) return `Wallet-${data.userId}`;
    if (event.type === 'ConcertCreated') return `Concert-${data.concertId}`;
    return data.reservationId ? `Reservation-${data.reservationId}` : `Other-${event.type}`;
  };
  return recorded(...events.map((event) => [stream(event), event] as const));
}

const A1 = (n: number) => `a1.${n}`;
const A2 = (n: number) => `a2.${n}`;

/** A catalog, seats held, sold, released and expired, reservations through every phase, wallets, and noise. */
const LOG = log(
  concertCreated('zeta', 'Late show', [['z1', '2030-03-01T20:00:00.000Z', [[1, 50]]]]),
  concertCreated('alpha', 'Opening night', [
    [
      'a1',
      '2030-02-01T19:00:00.000Z',
      [
        [3, 300],
        [1, 100],
        [2, 200],
      ],
    ],
    [
      'a2',
      '2030-02-02T19:00:00.000Z',
      [
        [1, 80],
        [2, 80],
      ],
    ],
  ]),
  requested('r1', 'u1', 'a1', [A1(1), A1(2)], 300),
  seatHeld(A1(1), 'r1'),
  seatHeld(A1(2), 'r1'),
  reservationEvent('ReservationHeld', 'r1'),
  walletEvent('WalletCharged', 'u1', 1000, 1000),
  reservationEvent('PaymentStarted', 'r1', { paymentId: 'pay1', userId: 'u1', amount: 300 }),
  walletEvent('WalletDebited', 'u1', 300, 700),
  seatSold(A1(1), 'r1'),
  seatSold(A1(2), 'r1'),
  reservationEvent('ReservationPaid', 'r1', { paymentId: 'pay1', amount: 300 }),
  requested('r2', 'u2', 'a1', [A1(3)], 300),
  seatHeld(A1(3), 'r2'),
  reservationEvent('ReservationHeld', 'r2'),
  requested('r3', 'u3', 'a2', [A2(1)], 80),
  seatHeld(A2(1), 'r3'),
  reservationEvent('ReservationHeld', 'r3'),
  reservationEvent('ReservationExpired', 'r3'),
  seatReleased(A2(1), 'r3'),
  requested('r4', 'u2', 'a2', [A2(1)], 80),
  seatHeld(A2(1), 'r4'),
  reservationEvent('ReservationHeld', 'r4'),
  reservationEvent('ReservationCancelled', 'r4'),
  seatReleased(A2(1), 'r4', 'cancelled'),
  requested('r5', 'u3', 'a1', [A1(3)], 300),
  reservationEvent('ReservationRejected', 'r5', { unavailableSeatIds: [A1(3)] }),
  walletEvent('WalletCharged', 'u2', 50, 50),
  { type: 'QueueJoined', data: { entryId: 'e1', concertId: 'alpha', userId: 'u9' } },
  seatReleased(A2(2), 'r9'),
  requested('r6', 'u4', 'a2', [A2(2)], 80),
  seatHeld(A2(2), 'r6'),
  reservationEvent('ReservationHeld', 'r6'),
  reservationEvent('PaymentStarted', 'r6', { paymentId: 'pay6', userId: 'u4', amount: 80 }),
  // Still pending: the hold process has not answered.
  requested('r7', 'u4', 'a2', [A2(2)], 80),
);
const RESERVATIONS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'nobody'];

const seat = (seatId: string, seatNo: number, price: number, status: SeatRead['status'] = 'AVAILABLE') => ({
  seatId,
  seatNo,
  price,
  status,
});
const schedule = (scheduleId: string, startsAt: string, availableSeats: number, totalSeats: number) => ({
  scheduleId,
  startsAt,
  availableSeats,
  totalSeats,
});
const reservation = (
  reservationId: string,
  status: string,
  [userId, scheduleId, seatIds, amount]: [string, string, string[], number],
  paymentId?: string,
) => ({
  reservationId,
  userId,
  scheduleId,
  status,
  seatIds,
  amount,
  expiresAt: iso(HOLD_UNTIL),
  ...(paymentId ? { paymentId } : {}),
});
const A1_STARTS = '2030-02-01T19:00:00.000Z';
const A2_STARTS = '2030-02-02T19:00:00.000Z';
const Z1_STARTS = '2030-03-01T20:00:00.000Z';
const R1 = ['u1', 'a1', [A1(1), A1(2)], 300] as [string, string, string[], number];
const R2 = ['u2', 'a1', [A1(3)], 300] as [string, string, string[], number];

/** LOG's answers, worked out by hand. */
const EXPECTED = {
  concerts: [
    { concertId: 'zeta', title: 'Late show', scheduleIds: ['z1'] },
    { concertId: 'alpha', title: 'Opening night', scheduleIds: ['a1', 'a2'] },
  ],
  alpha: { concertId: 'alpha', title: 'Opening night', scheduleIds: ['a1', 'a2'] },
  unknownConcert: undefined,
  wallets: { u1: 700, u2: 50, u3: undefined },
  now: {
    schedules: {
      alpha: [schedule('a1', A1_STARTS, 0, 3), schedule('a2', A2_STARTS, 1, 2)],
      zeta: [schedule('z1', Z1_STARTS, 1, 1)],
      unknown: undefined,
    },
    seatMaps: {
      a1: {
        scheduleId: 'a1',
        concertId: 'alpha',
        startsAt: A1_STARTS,
        seats: [seat(A1(3), 3, 300, 'HELD'), seat(A1(1), 1, 100, 'SOLD'), seat(A1(2), 2, 200, 'SOLD')],
      },
      a2: {
        scheduleId: 'a2',
        concertId: 'alpha',
        startsAt: A2_STARTS,
        seats: [seat(A2(1), 1, 80), seat(A2(2), 2, 80, 'HELD')],
      },
      z1: { scheduleId: 'z1', concertId: 'zeta', startsAt: Z1_STARTS, seats: [seat('z1.1', 1, 50)] },
      unknown: undefined,
    },
    reservations: {
      r1: reservation('r1', 'PAID', R1, 'pay1'),
      r2: reservation('r2', 'HELD', R2),
      r3: reservation('r3', 'EXPIRED', ['u3', 'a2', [A2(1)], 80]),
      r4: reservation('r4', 'CANCELLED', ['u2', 'a2', [A2(1)], 80]),
      r5: undefined,
      r6: reservation('r6', 'HELD', ['u4', 'a2', [A2(2)], 80]),
      r7: reservation('r7', 'HELD', ['u4', 'a2', [A2(2)], 80]),
      nobody: undefined,
    },
  },
  later: {
    schedules: {
      alpha: [schedule('a1', A1_STARTS, 1, 3), schedule('a2', A2_STARTS, 2, 2)],
      zeta: [schedule('z1', Z1_STARTS, 1, 1)],
      unknown: undefined,
    },
    seatMaps: {
      a1: {
        scheduleId: 'a1',
        concertId: 'alpha',
        startsAt: A1_STARTS,
        seats: [seat(A1(3), 3, 300), seat(A1(1), 1, 100, 'SOLD'), seat(A1(2), 2, 200, 'SOLD')],
      },
      a2: {
        scheduleId: 'a2',
        concertId: 'alpha',
        startsAt: A2_STARTS,
        seats: [seat(A2(1), 1, 80), seat(A2(2), 2, 80)],
      },
      z1: { scheduleId: 'z1', concertId: 'zeta', startsAt: Z1_STARTS, seats: [seat('z1.1', 1, 50)] },
      unknown: undefined,
    },
    reservations: {
      r1: reservation('r1', 'PAID', R1, 'pay1'),
      r2: reservation('r2', 'EXPIRED', R2),
      r3: reservation('r3', 'EXPIRED', ['u3', 'a2', [A2(1)], 80]),
      r4: reservation('r4', 'CANCELLED', ['u2', 'a2', [A2(1)], 80]),
      r5: undefined,
      // A payment in flight keeps the hold past its time.
      r6: reservation('r6', 'HELD', ['u4', 'a2', [A2(2)], 80]),
      r7: reservation('r7', 'EXPIRED', ['u4', 'a2', [A2(2)], 80]),
      nobody: undefined,
    },
  },
};

/** Everything `reads` answers about LOG's ids, at NOW and at LATER. */
async function answers(reads: DocumentReads) {
  const at = async (now: number) => ({
    schedules: {
      alpha: await reads.schedules('alpha', now),
      zeta: await reads.schedules('zeta', now),
      unknown: await reads.schedules('unknown', now),
    },
    seatMaps: {
      a1: await reads.seatMap('a1', now),
      a2: await reads.seatMap('a2', now),
      z1: await reads.seatMap('z1', now),
      unknown: await reads.seatMap('unknown', now),
    },
    reservations: Object.fromEntries(
      await Promise.all(RESERVATIONS.map(async (id) => [id, await reads.reservation(id, now)] as const)),
    ),
  });
  return {
    concerts: await reads.concerts(),
    alpha: await reads.concert('alpha'),
    unknownConcert: await reads.concert('unknown'),
    wallets: {
      u1: await reads.walletBalance('u1'),
      u2: await reads.walletBalance('u2'),
      u3: await reads.walletBalance('u3'),
    },
    now: await at(NOW),
    later: await at(LATER),
  };
}

/** `events` cut into consecutive batches whose sizes cycle through `sizes`. */
function batches(events: readonly RecordedEvent[], sizes: readonly number[]): RecordedEvent[][] {
  const result: RecordedEvent[][] = [];
  for (let i = 0, k = 0; i < events.length; k += 1) {
    const size = sizes[k % sizes.length];
    result.push(events.slice(i, i + size));
    i += size;
  }
  return result;
}

const statuses = async (reads: DocumentReads, scheduleId: string, now: number) =>
  Object.fromEntries((await reads.seatMap(scheduleId, now))?.seats.map((s) => [s.seatId, s.status]) ?? []);
const available = async (reads: DocumentReads, concertId: string, now: number) =>
  (await reads.schedules(concertId, now))?.map((s) => s.availableSeats);

/** The behaviour every DocumentReads store (with the sink that feeds it) must show. */
export function documentReadsContract(name: string, makeFixture: () => Promise<DocumentReadsFixture>): void {
  describe(`${name}: document read-model contract`, () => {
    let fixture: DocumentReadsFixture;
    let sink: ProjectionSink;
    let reads: DocumentReads;

    beforeEach(async () => {
      fixture = await makeFixture();
      ({ sink, reads } = fixture);
      await sink.prepare();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('starts empty', async () => {
      expect(await sink.checkpoint()).toBe(0);
      expect(await reads.concerts()).toStrictEqual([]);
      expect(await reads.concert('alpha')).toBeUndefined();
      expect(await reads.schedules('alpha', NOW)).toBeUndefined();
      expect(await reads.seatMap('a1', NOW)).toBeUndefined();
      expect(await reads.reservation('r1', NOW)).toBeUndefined();
      expect(await reads.walletBalance('u1')).toBeUndefined();
    });

    it('records the version of the sink that writes it, and reports it back', async () => {
      await sink.recordVersion();
      expect(await sink.storedVersion()).toBe(sink.version);
    });

    it('lists concerts oldest first, each schedule with its counts and its seats in creation order', async () => {
      await sink.apply(LOG.slice(0, 2));
      expect(await reads.concerts()).toStrictEqual(EXPECTED.concerts);
      expect(await reads.concert('alpha')).toStrictEqual(EXPECTED.alpha);
      expect(await reads.concert('unknown')).toBeUndefined();
      expect(await reads.schedules('alpha', NOW)).toStrictEqual([
        schedule('a1', A1_STARTS, 3, 3),
        schedule('a2', A2_STARTS, 2, 2),
      ]);
      expect(await reads.seatMap('a1', NOW)).toStrictEqual({
        scheduleId: 'a1',
        concertId: 'alpha',
        startsAt: A1_STARTS,
        seats: [seat(A1(3), 3, 300), seat(A1(1), 1, 100), seat(A1(2), 2, 200)],
      });
      expect(await reads.seatMap('unknown', NOW)).toBeUndefined();
      expect(await reads.schedules('unknown', NOW)).toBeUndefined();
    });

    it('shows a hold as HELD and off the count until its time is up, then AVAILABLE with no expiry event', async () => {
      await sink.apply(LOG.slice(0, 5));
      expect(await statuses(reads, 'a1', NOW)).toStrictEqual({ 'a1.3': 'AVAILABLE', 'a1.1': 'HELD', 'a1.2': 'HELD' });
      expect(await available(reads, 'alpha', NOW)).toStrictEqual([1, 2]);
      expect(await statuses(reads, 'a1', HOLD_UNTIL - 1)).toMatchObject({ 'a1.1': 'HELD' });
      expect(await statuses(reads, 'a1', HOLD_UNTIL)).toMatchObject({ 'a1.1': 'AVAILABLE', 'a1.2': 'AVAILABLE' });
      expect(await available(reads, 'alpha', HOLD_UNTIL)).toStrictEqual([3, 2]);
    });

    it('frees a seat on a release by its holder, and ignores a release by another reservation', async () => {
      const events = log(
        asEvent(LOG[1]),
        seatHeld(A1(3), 'r2'),
        seatReleased(A1(3), 'r9'),
        seatReleased(A1(3), 'r2', 'cancelled'),
      );
      await sink.apply(events.slice(0, 2));
      await sink.apply(events.slice(2, 3));
      expect(await statuses(reads, 'a1', NOW)).toMatchObject({ 'a1.3': 'HELD' });
      expect(await available(reads, 'alpha', NOW)).toStrictEqual([2, 2]);
      await sink.apply(events.slice(3));
      expect(await statuses(reads, 'a1', NOW)).toMatchObject({ 'a1.3': 'AVAILABLE' });
      expect(await available(reads, 'alpha', NOW)).toStrictEqual([3, 2]);
    });

    it('keeps a sold seat SOLD past its hold time, until the sale is released (payment failed)', async () => {
      const events = log(
        asEvent(LOG[1]),
        seatHeld(A1(1), 'r1'),
        seatSold(A1(1), 'r1'),
        seatReleased(A1(1), 'r1', 'payment-failed'),
      );
      await sink.apply(events.slice(0, 3));
      expect(await statuses(reads, 'a1', LATER)).toMatchObject({ 'a1.1': 'SOLD' });
      expect(await available(reads, 'alpha', LATER)).toStrictEqual([2, 2]);
      await sink.apply(events.slice(3));
      expect(await statuses(reads, 'a1', NOW)).toMatchObject({ 'a1.1': 'AVAILABLE' });
      expect(await available(reads, 'alpha', NOW)).toStrictEqual([3, 2]);
    });

    it('applies several events on one seat in one batch as one by one', async () => {
      const events = log(
        asEvent(LOG[1]),
        seatHeld(A1(1), 'r1'),
        seatHeld(A1(2), 'r1'),
        seatReleased(A1(1), 'r1'),
        seatHeld(A1(1), 'r2'),
        seatSold(A1(1), 'r2'),
        seatReleased(A1(2), 'r7'),
        seatReleased(A1(2), 'r1'),
        seatHeld(A1(2), 'r3'),
        seatHeld(A1(3), 'r4'),
        seatSold(A1(3), 'r4'),
        seatReleased(A1(3), 'r4', 'payment-failed'),
      );
      const expected = { 'a1.3': 'AVAILABLE', 'a1.1': 'SOLD', 'a1.2': 'HELD' };
      await sink.apply(events.slice(0, 3));
      await sink.apply(events.slice(3));
      expect(await statuses(reads, 'a1', NOW)).toStrictEqual(expected);
      expect(await available(reads, 'alpha', NOW)).toStrictEqual([1, 2]);
      // A release whose holder was stored by an earlier batch, then the seat held again, in one batch.
      const more = log(
        ...events.map(asEvent),
        seatReleased(A1(2), 'r3'),
        seatHeld(A1(2), 'r5'),
        seatReleased(A1(2), 'r5'),
      );
      await sink.apply(more.slice(events.length));
      expect(await statuses(reads, 'a1', NOW)).toStrictEqual({ ...expected, 'a1.2': 'AVAILABLE' });
      expect(await available(reads, 'alpha', NOW)).toStrictEqual([2, 2]);
      for (const event of more) await sink.apply([event]);
      expect(await statuses(reads, 'a1', NOW)).toStrictEqual({ ...expected, 'a1.2': 'AVAILABLE' });
    });

    it('ignores seat events for seats and schedules the catalog does not have', async () => {
      const seats: Seats = [
        [1, 10],
        [2, 10],
        [4, 10],
        [250, 10],
      ];
      const events = log(
        concertCreated('gappy', 'Gappy', [['g', A1_STARTS, seats]]),
        seatHeld('g.3', 'r1'),
        seatHeld('g.5', 'r1'),
        seatHeld('g.150', 'r1'),
        seatSold('g.3', 'r1'),
        seatHeld('g.02', 'r1'),
        seatHeld('g.x', 'r1'),
        seatHeld('ghost.1', 'r1'),
        seatHeld('nodot', 'r1'),
        seatHeld('g.4', 'r2'),
      );
      await sink.apply(events);
      expect(await statuses(reads, 'g', NOW)).toStrictEqual({
        'g.1': 'AVAILABLE',
        'g.2': 'AVAILABLE',
        'g.4': 'HELD',
        'g.250': 'AVAILABLE',
      });
      expect(await available(reads, 'gappy', NOW)).toStrictEqual([3]);
      expect(await reads.seatMap('ghost', NOW)).toBeUndefined();
      expect(await sink.checkpoint()).toBe(events.length);
    });

    it('follows a reservation through its phases; a rejected one is not shown', async () => {
      await sink.apply(LOG.slice(0, 3));
      expect(await reads.reservation('r1', NOW)).toStrictEqual(reservation('r1', 'HELD', R1));
      expect(await reads.reservation('r1', LATER)).toStrictEqual(reservation('r1', 'EXPIRED', R1));
      await sink.apply(LOG.slice(3, 8));
      // Payment started before the hold ran out: held past its time while the payment is in flight.
      expect(await reads.reservation('r1', LATER)).toStrictEqual(reservation('r1', 'HELD', R1));
      await sink.apply(LOG.slice(8));
      expect((await answers(reads)).now.reservations).toStrictEqual(EXPECTED.now.reservations);
      expect((await answers(reads)).later.reservations).toStrictEqual(EXPECTED.later.reservations);

      const failed = log(
        ...LOG.map(asEvent),
        reservationEvent('PaymentFailed', 'r6', { paymentId: 'pay6', code: 'INSUFFICIENT_BALANCE' }),
      );
      await sink.apply(failed.slice(LOG.length));
      expect(await reads.reservation('r6', NOW)).toMatchObject({ status: 'HELD' });
      expect(await reads.reservation('r6', LATER)).toMatchObject({ status: 'EXPIRED' });
      expect(await reads.reservation('r6', LATER)).not.toHaveProperty('paymentId');
    });

    it('shows a refund: the reservation REFUNDED, its sold seats AVAILABLE again, the wallet credited', async () => {
      const refund = { refundId: 'f1', amount: 300 };
      const refunded = log(
        ...LOG.map(asEvent),
        reservationEvent('RefundRequested', 'r1', { ...refund, userId: 'u1', paymentId: 'pay1' }),
        walletEvent('WalletRefunded', 'u1', 300, 1000),
        seatReleased(A1(1), 'r1', 'refunded'),
        seatReleased(A1(2), 'r1', 'refunded'),
        reservationEvent('ReservationRefunded', 'r1', refund),
      );
      await sink.apply(refunded.slice(0, LOG.length + 1));
      expect(await reads.reservation('r1', NOW)).toStrictEqual(reservation('r1', 'PAID', R1, 'pay1'));
      await sink.apply(refunded.slice(LOG.length + 1));
      expect(await reads.reservation('r1', NOW)).toStrictEqual(reservation('r1', 'REFUNDED', R1, 'pay1'));
      expect(await reads.walletBalance('u1')).toBe(1000);
      const seats = await statuses(reads, 'a1', NOW);
      expect([seats[A1(1)], seats[A1(2)]]).toStrictEqual(['AVAILABLE', 'AVAILABLE']);
    });

    it('answers each wallet with the balance its last event carried', async () => {
      const events = log(
        walletEvent('WalletCharged', 'u1', 500, 500),
        walletEvent('WalletDebited', 'u1', 200, 300),
        walletEvent('WalletCharged', 'u2', 70, 70),
        walletEvent('WalletRefunded', 'u1', 200, 500),
      );
      await sink.apply(events.slice(0, 2));
      expect(await reads.walletBalance('u1')).toBe(300);
      await sink.apply(events.slice(2));
      expect(await reads.walletBalance('u1')).toBe(500);
      expect(await reads.walletBalance('u2')).toBe(70);
      expect(await reads.walletBalance('u3')).toBeUndefined();
    });

    it('changes nothing when an old stretch of the log comes again after newer events', async () => {
      await sink.apply(LOG);
      // Among them a reservation's creation, holds that were released since, and a wallet's older balance.
      await sink.apply(LOG.slice(13, 17));
      await sink.apply(LOG.slice(2, 9));
      expect(await answers(reads)).toStrictEqual(EXPECTED);
    });

    it('ignores seat events before their schedule exists, even in the batch that creates it', async () => {
      const events = log(seatHeld(A1(1), 'r0'), seatHeld(A1(2), 'r0'), asEvent(LOG[1]), seatHeld(A1(1), 'r1'));
      await sink.apply(events);
      expect(await statuses(reads, 'a1', NOW)).toStrictEqual({
        'a1.3': 'AVAILABLE',
        'a1.1': 'HELD',
        'a1.2': 'AVAILABLE',
      });
      await sink.apply(events.slice(0, 2));
      expect(await available(reads, 'alpha', NOW)).toStrictEqual([2, 2]);
    });

    it('lays a concert created again out anew, keeping its place in the list', async () => {
      const events = log(
        concertCreated('alpha', 'Opening night', [
          [
            'a1',
            A1_STARTS,
            [
              [1, 100],
              [150, 100],
              [2, 100],
            ],
          ],
        ]),
        concertCreated('zeta', 'Late show', [['z1', Z1_STARTS, [[1, 50]]]]),
        seatHeld(A1(1), 'r1'),
        seatHeld(A1(150), 'r1'),
        seatSold(A1(150), 'r1'),
        concertCreated('alpha', 'Opening night, moved', [
          [
            'a1',
            A2_STARTS,
            [
              [2, 120],
              [1, 110],
            ],
          ],
        ]),
        seatHeld(A1(2), 'r2'),
      );
      await sink.apply(events.slice(0, 5));
      await sink.apply(events.slice(5));
      expect(await reads.concerts()).toStrictEqual([
        { concertId: 'alpha', title: 'Opening night, moved', scheduleIds: ['a1'] },
        { concertId: 'zeta', title: 'Late show', scheduleIds: ['z1'] },
      ]);
      expect(await reads.seatMap('a1', NOW)).toStrictEqual({
        scheduleId: 'a1',
        concertId: 'alpha',
        startsAt: A2_STARTS,
        seats: [seat(A1(2), 2, 120, 'HELD'), seat(A1(1), 1, 110)],
      });
      expect(await reads.schedules('alpha', NOW)).toStrictEqual([schedule('a1', A2_STARTS, 1, 2)]);
      for (const event of events) await sink.apply([event]);
      expect(await reads.schedules('alpha', NOW)).toStrictEqual([schedule('a1', A2_STARTS, 1, 2)]);
    });

    it('checkpoints the last position applied and never moves it back', async () => {
      await sink.apply(LOG.slice(0, 10));
      expect(await sink.checkpoint()).toBe(10);
      await sink.apply(LOG.slice(10));
      expect(await sink.checkpoint()).toBe(LOG.length);
      await sink.apply(LOG.slice(0, 5));
      await sink.apply([]);
      expect(await sink.checkpoint()).toBe(LOG.length);
    });

    it('gives the answers worked out by hand for one delivery of the log', async () => {
      await sink.apply(LOG);
      expect(await answers(reads)).toStrictEqual(EXPECTED);
    });

    it.each(Object.keys(redeliveries(LOG)))('gives the same answers when the log is delivered as: %s', async (way) => {
      for (const batch of redeliveries(LOG)[way]) await sink.apply(batch);
      expect(await answers(reads)).toStrictEqual(EXPECTED);
      expect(await sink.checkpoint()).toBe(LOG.length);
    });

    it('is emptied by reset, and a replay from zero gives the same answers', async () => {
      await sink.apply(LOG);
      await sink.reset();
      expect(await sink.checkpoint()).toBe(0);
      expect(await reads.concerts()).toStrictEqual([]);
      expect(await reads.seatMap('a1', NOW)).toBeUndefined();
      expect(await reads.schedules('alpha', NOW)).toBeUndefined();
      expect(await reads.reservation('r1', NOW)).toBeUndefined();
      expect(await reads.walletBalance('u1')).toBeUndefined();
      for (const batch of batches(LOG, [7])) await sink.apply(batch);
      expect(await answers(reads)).toStrictEqual(EXPECTED);
      expect(await sink.checkpoint()).toBe(LOG.length);
    });

    it('gives the same answers when two instances apply the log cut differently, interleaved', async () => {
      const second = await fixture.secondSink();
      const queues = [batches(LOG, [4, 9, 2, 7]), batches(LOG, [11, 3, 5, 1])];
      const sinks = [sink, second];
      const random = mulberry32(7);
      while (queues[0].length || queues[1].length) {
        const pick = queues[0].length && queues[1].length ? (random() < 0.5 ? 0 : 1) : queues[0].length ? 0 : 1;
        await sinks[pick].apply(queues[pick].shift()!);
      }
      expect(await answers(reads)).toStrictEqual(EXPECTED);
      expect(await second.checkpoint()).toBe(LOG.length);
      expect(await sink.checkpoint()).toBe(LOG.length);
    });

    it('keeps a schedule of 1,050 seats across several blocks, in creation order', async () => {
      const order = [...range(1001, 1050), ...range(1, 1000)];
      const price = (seatNo: number) => 100 + (seatNo % 5) * 10;
      const created = concertCreated('big', 'Big', [['b', A1_STARTS, order.map((n) => [n, price(n)])]]);
      const events = log(
        created,
        seatHeld('b.1', 'rA'),
        seatHeld('b.100', 'rA'),
        seatHeld('b.101', 'rA'),
        seatHeld('b.555', 'rB'),
        seatSold('b.555', 'rB'),
        seatHeld('b.1050', 'rC'),
        seatReleased('b.100', 'rA', 'cancelled'),
        seatHeld('b.1000', 'rD', T0 + 30 * SECOND),
      );
      await sink.apply(events.slice(0, 1));
      await sink.apply(events.slice(1));
      const map = (await reads.seatMap('b', NOW))!;
      expect(map.seats.map((s) => s.seatNo)).toStrictEqual(order);
      expect(map.seats.map((s) => s.seatId)).toStrictEqual(order.map((n) => `b.${n}`));
      expect(map.seats.map((s) => s.price)).toStrictEqual(order.map(price));
      expect(map.seats.filter((s) => s.status !== 'AVAILABLE')).toStrictEqual([
        seat('b.1050', 1050, price(1050), 'HELD'),
        seat('b.1', 1, price(1), 'HELD'),
        seat('b.101', 101, price(101), 'HELD'),
        seat('b.555', 555, price(555), 'SOLD'),
      ]);
      expect(await reads.schedules('big', NOW)).toStrictEqual([schedule('b', A1_STARTS, 1046, 1050)]);
      expect(await reads.schedules('big', LATER)).toStrictEqual([schedule('b', A1_STARTS, 1049, 1050)]);
    });

    it('ignores events of other types, and still moves the checkpoint past them', async () => {
      const events = log(
        { type: 'QueueJoined', data: { entryId: 'e1', concertId: 'alpha', userId: 'u1' } },
        { type: 'SomethingElse', data: {} },
        { type: 'WalletOpened', data: {} },
      );
      await sink.apply(events);
      expect(await sink.checkpoint()).toBe(3);
      expect(await reads.concerts()).toStrictEqual([]);
      expect(await reads.walletBalance('u1')).toBeUndefined();
    });
  });
}

const asEvent = ({ type, data }: RecordedEvent) => ({ type, data }) as Event;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
