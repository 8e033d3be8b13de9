import { MINUTE, T0, iso, plain, project, recorded, redeliveries } from '../shared/given-when-then';
import type { ConcertCreated } from '../write/catalog/concert.decider';
import type { ReleaseReason, SeatHeld, SeatReleased, SeatSold } from '../write/reservations/seat.decider';
import { concertsProjection, ScheduleDoc, schedulesProjection, seatStatus } from './catalog.projection';

const HELD_UNTIL = T0 + 5 * MINUTE;

const concertCreated: ConcertCreated = {
  type: 'ConcertCreated',
  data: {
    concertId: 'c1',
    title: 'Opening night',
    schedules: [
      {
        scheduleId: 's1',
        startsAt: '2030-02-01T19:00:00.000Z',
        seats: [1, 2, 3].map((seatNo) => ({ seatId: `s1.${seatNo}`, seatNo, price: 100 })),
      },
      { scheduleId: 's2', startsAt: '2030-02-02T19:00:00.000Z', seats: [{ seatId: 's2.1', seatNo: 1, price: 80 }] },
    ],
  },
};
const held = (seatId: string, reservationId: string, until = HELD_UNTIL): SeatHeld => ({
  type: 'SeatHeld',
  data: { seatId, reservationId, userId: 'u1', expiresAt: iso(until) },
});
const sold = (seatId: string, reservationId: string): SeatSold => ({
  type: 'SeatSold',
  data: { seatId, reservationId, paymentId: `pay-${reservationId}` },
});
const released = (seatId: string, reservationId: string, reason: ReleaseReason = 'cancelled'): SeatReleased => ({
  type: 'SeatReleased',
  data: { seatId, reservationId, reason },
});
const seat = (seatId: string) => `Seat-${seatId}`;

const LOG = recorded(
  ['Concert-c1', concertCreated],
  [seat('s1.1'), held('s1.1', 'r1')],
  [seat('s1.2'), held('s1.2', 'r1')],
  [seat('s1.1'), sold('s1.1', 'r1')],
  [seat('s1.2'), sold('s1.2', 'r1')],
  // Payment compensation releases a seat it had sold: the sale is undone.
  [seat('s1.2'), released('s1.2', 'r1', 'payment-failed')],
  [seat('s1.3'), held('s1.3', 'r2')],
  [seat('s1.3'), released('s1.3', 'r3')], // not the holder: ignored
  [seat('s2.1'), held('s2.1', 'r4')],
);

const schedule = (id: string, batches = [LOG]) => project(schedulesProjection, batches).collection.get(id)!;

describe('schedules projection', () => {
  it('builds each schedule from one delivery of the log', () => {
    const s1 = schedule('s1');
    expect({ concertId: s1.concertId, startsAt: s1.startsAt, sold: s1.sold, position: s1.position }).toEqual({
      concertId: 'c1',
      startsAt: '2030-02-01T19:00:00.000Z',
      sold: 1,
      position: 8,
    });
    expect(plain(s1.seats)).toEqual([
      ['s1.1', { seatId: 's1.1', seatNo: 1, price: 100, holder: 'r1', heldUntil: HELD_UNTIL, soldTo: 'r1' }],
      ['s1.2', { seatId: 's1.2', seatNo: 2, price: 100, holder: undefined, heldUntil: 0, soldTo: undefined }],
      ['s1.3', { seatId: 's1.3', seatNo: 3, price: 100, holder: 'r2', heldUntil: HELD_UNTIL, soldTo: undefined }],
    ]);
    expect(schedule('s2').seats.get('s2.1')).toMatchObject({ holder: 'r4', soldTo: undefined });
  });

  it.each(Object.entries(redeliveries(LOG)))('gives the same read model when delivered as: %s', (_, batches) => {
    const once = plain(project(schedulesProjection, [LOG]).documents.collection('schedules'));
    expect(plain(project(schedulesProjection, batches).documents.collection('schedules'))).toEqual(once);
  });

  it('counts a sale delivered twice once', () => {
    const sale = LOG.slice(0, 4);
    expect(schedule('s1', [sale, [sale[3]], [sale[3]]]).sold).toBe(1);
  });

  it('ignores seat events for a schedule it does not know', () => {
    const { collection } = project(schedulesProjection, [recorded([seat('x9.1'), held('x9.1', 'r1')])]);
    expect(collection.size).toBe(0);
  });

  describe('seatStatus compares with now', () => {
    const s1 = (): ScheduleDoc => schedule('s1');

    it('a hold shows HELD until heldUntil and AVAILABLE from then on, with no release event', () => {
      const held = s1().seats.get('s1.3')!;
      expect(seatStatus(held, HELD_UNTIL - 1)).toBe('HELD');
      expect(seatStatus(held, HELD_UNTIL)).toBe('AVAILABLE');
    });

    it('a sold seat shows SOLD even after its hold time', () => {
      expect(seatStatus(s1().seats.get('s1.1')!, HELD_UNTIL + 60 * MINUTE)).toBe('SOLD');
    });

    it('a released seat shows AVAILABLE', () => {
      expect(seatStatus(s1().seats.get('s1.2')!, T0)).toBe('AVAILABLE');
    });
  });
});

describe('concerts projection', () => {
  it('records each concert with its schedule ids', () => {
    expect(plain(project(concertsProjection, [LOG]).collection)).toEqual([
      ['c1', { position: 1, concertId: 'c1', title: 'Opening night', scheduleIds: ['s1', 's2'] }],
    ]);
  });

  it.each(Object.entries(redeliveries(LOG)))('gives the same read model when delivered as: %s', (_, batches) => {
    const once = plain(project(concertsProjection, [LOG]).collection);
    expect(plain(project(concertsProjection, batches).collection)).toEqual(once);
  });
});
