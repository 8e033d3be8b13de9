import { T0, at, decided, fold, given, iso, refused } from '../../shared/given-when-then';
import {
  ConcertCreated,
  ConcertOnSaleRescheduled,
  CreateConcert,
  RescheduleOnSale,
  DEFAULT_REFUND_CUTOFF_HOURS,
  concertDecider,
  seatIdOf,
} from './concert.decider';

const createConcert = (seatNos: number[] = [1, 2]): CreateConcert => ({
  type: 'CreateConcert',
  data: {
    concertId: 'c1',
    title: 'Opening night',
    schedules: [
      {
        scheduleId: 's1',
        startsAt: '2030-02-01T19:00:00.000Z',
        seats: seatNos.map((seatNo) => ({ seatNo, price: 100 * seatNo })),
      },
      { scheduleId: 's2', startsAt: '2030-02-02T19:00:00.000Z', seats: [{ seatNo: 7, price: 50 }] },
    ],
  },
  metadata: at(T0),
});

const concertCreated: ConcertCreated = {
  type: 'ConcertCreated',
  data: {
    concertId: 'c1',
    title: 'Opening night',
    schedules: [
      {
        scheduleId: 's1',
        startsAt: '2030-02-01T19:00:00.000Z',
        seats: [
          { seatNo: 1, price: 100, seatId: 's1.1' },
          { seatNo: 2, price: 200, seatId: 's1.2' },
        ],
      },
      { scheduleId: 's2', startsAt: '2030-02-02T19:00:00.000Z', seats: [{ seatNo: 7, price: 50, seatId: 's2.7' }] },
    ],
    refundCutoffHours: DEFAULT_REFUND_CUTOFF_HOURS,
  },
};

describe('concert decider', () => {
  it('creates a concert whose seats are named after their schedule and number', () => {
    expect(given(concertDecider).when(createConcert())).toEqual(decided(concertCreated));
  });

  it('records a seat limit per user and a refund cutoff when the concert sets them', () => {
    const command = createConcert();
    const limited = { ...command, data: { ...command.data, maxSeatsPerUser: 4, refundCutoffHours: 48 } };
    expect(given(concertDecider).when(limited)).toEqual(
      decided({ ...concertCreated, data: { ...concertCreated.data, maxSeatsPerUser: 4, refundCutoffHours: 48 } }),
    );
  });

  it('treats creating the same concert again as a no-op (a retried request)', () => {
    expect(given(concertDecider, [concertCreated]).when(createConcert())).toEqual(decided());
  });

  it('refuses a schedule that lists a seat number twice (VALIDATION_FAILED)', () => {
    expect(given(concertDecider).when(createConcert([1, 2, 1]))).toMatchObject(refused('VALIDATION_FAILED'));
  });

  it('evolves to the created concert', () => {
    expect(concertDecider.evolve(concertDecider.initialState(), concertCreated)).toEqual({
      created: concertCreated.data,
    });
  });

  it('names a seat <scheduleId>.<seatNo>', () => {
    expect(seatIdOf('sched-9', 12)).toBe('sched-9.12');
  });

  describe('moving the opening', () => {
    const OPENS = T0 + 3_600_000;
    const scheduled: ConcertCreated = { ...concertCreated, data: { ...concertCreated.data, onSaleAt: iso(OPENS) } };
    const reschedule = (onSaleAt: number, now = T0): RescheduleOnSale => ({
      type: 'RescheduleOnSale',
      data: { concertId: 'c1', onSaleAt: iso(onSaleAt) },
      metadata: at(now),
    });

    it('records an opening set at creation, in ISO form', () => {
      const command = createConcert();
      const withOpening = { ...command, data: { ...command.data, onSaleAt: '2030-01-01T12:00:00+01:00' } };
      expect(given(concertDecider).when(withOpening)).toEqual(
        decided({ ...concertCreated, data: { ...concertCreated.data, onSaleAt: '2030-01-01T11:00:00.000Z' } }),
      );
    });

    it('moves it while it is still ahead, and the state follows', () => {
      const moved: ConcertOnSaleRescheduled = {
        type: 'ConcertOnSaleRescheduled',
        data: { concertId: 'c1', onSaleAt: iso(OPENS + 60_000) },
      };
      expect(given(concertDecider, [scheduled]).when(reschedule(OPENS + 60_000))).toEqual(decided(moved));
      expect(fold(concertDecider, [scheduled, moved]).created?.onSaleAt).toBe(iso(OPENS + 60_000));
    });

    it('writes nothing when the time is the one in force (a retried request)', () => {
      expect(given(concertDecider, [scheduled]).when(reschedule(OPENS))).toEqual(decided());
    });

    it('refuses once the opening has passed, or when the concert opened at creation (ON_SALE_STARTED)', () => {
      expect(given(concertDecider, [scheduled]).when(reschedule(OPENS + 1, OPENS))).toMatchObject(
        refused('ON_SALE_STARTED'),
      );
      expect(given(concertDecider, [concertCreated]).when(reschedule(OPENS))).toMatchObject(refused('ON_SALE_STARTED'));
    });

    it('refuses a new opening in the past (VALIDATION_FAILED) and an unknown concert (CONCERT_NOT_FOUND)', () => {
      expect(given(concertDecider, [scheduled]).when(reschedule(T0 - 1))).toMatchObject(refused('VALIDATION_FAILED'));
      expect(given(concertDecider).when(reschedule(OPENS))).toMatchObject(refused('CONCERT_NOT_FOUND'));
    });
  });
});
