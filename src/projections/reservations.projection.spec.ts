import type { RecordedEvent } from '../event-store/event-store.port';
import { MINUTE, T0, iso, plain, project, recorded, redeliveries } from '../shared/given-when-then';
import type { ReservationEvent, ReservationRequested } from '../write/reservations/reservation.decider';
import { ReservationDoc, reservationStatus, reservationsProjection } from './reservations.projection';

const EXPIRES = T0 + 5 * MINUTE;

const request = (r: string): ReservationRequested['data'] => ({
  reservationId: r,
  userId: 'u1',
  concertId: 'c1',
  scheduleId: 's1',
  queueEntryId: 'e1',
  seatIds: [`s1.${r}`],
  amount: 100,
  expiresAt: iso(EXPIRES),
});
type Data<T extends ReservationEvent['type']> = Omit<Extract<ReservationEvent, { type: T }>['data'], 'reservationId'>;
/** `[Reservation-<r>, event]`, the event's data being the reservation id plus `data`. */
function on<T extends ReservationEvent['type']>(r: string, type: T, data: Data<T>): [string, ReservationEvent] {
  return [`Reservation-${r}`, { type, data: { reservationId: r, ...data } } as ReservationEvent];
}
const requested = (r: string) => on(r, 'ReservationRequested', request(r));
const held = (r: string) => on(r, 'ReservationHeld', {});
const started = (r: string, paymentId: string) => on(r, 'PaymentStarted', { paymentId, userId: 'u1', amount: 100 });

const LOG = recorded(
  requested('paid'),
  held('paid'),
  started('paid', 'p1'),
  on('paid', 'PaymentFailed', { paymentId: 'p1', code: 'INSUFFICIENT_BALANCE' }),
  started('paid', 'p2'),
  on('paid', 'ReservationPaid', { paymentId: 'p2', amount: 100 }),
  requested('held'),
  held('held'),
  requested('rejected'),
  on('rejected', 'ReservationRejected', { unavailableSeatIds: ['s1.rejected'] }),
  requested('cancelled'),
  held('cancelled'),
  on('cancelled', 'ReservationCancelled', {}),
  requested('expired'),
  held('expired'),
  on('expired', 'ReservationExpired', {}),
  requested('paying'),
  held('paying'),
  started('paying', 'p3'),
  requested('refunded'),
  held('refunded'),
  started('refunded', 'p4'),
  on('refunded', 'ReservationPaid', { paymentId: 'p4', amount: 100 }),
  on('refunded', 'RefundRequested', { refundId: 'f1', userId: 'u1', paymentId: 'p4', amount: 100 }),
  on('refunded', 'ReservationRefunded', { refundId: 'f1', amount: 100 }),
);

const reservations = (batches: readonly (readonly RecordedEvent[])[] = [LOG]) =>
  project(reservationsProjection, batches).collection;
const doc = (r: string): ReservationDoc => reservations().get(r)!;

describe('reservations projection', () => {
  it('keeps the request, the phase, the payments and when the phase last changed', () => {
    expect(doc('paid')).toEqual({
      position: 6,
      ...request('paid'),
      phase: 'paid',
      paymentInFlight: undefined,
      paymentId: 'p2',
      updatedAt: LOG[5].recordedAt.getTime(),
    });
    expect([...reservations().values()].map((d) => [d.reservationId, d.phase, d.paymentInFlight])).toEqual([
      ['paid', 'paid', undefined],
      ['held', 'held', undefined],
      ['rejected', 'rejected', undefined],
      ['cancelled', 'cancelled', undefined],
      ['expired', 'expired', undefined],
      ['paying', 'held', 'p3'],
      ['refunded', 'refunded', undefined],
    ]);
  });

  it.each(Object.entries(redeliveries(LOG)))('gives the same read model when delivered as: %s', (_, batches) => {
    expect(plain(reservations(batches))).toEqual(plain(reservations([LOG])));
  });

  it('a request delivered again after later events does not reset the reservation', () => {
    const paidEvents = LOG.slice(0, 6);
    expect(project(reservationsProjection, [paidEvents, [paidEvents[0]]]).collection.get('paid')).toMatchObject({
      phase: 'paid',
      paymentId: 'p2',
      position: 6,
    });
  });

  it('ignores events of a reservation it never saw requested', () => {
    expect(reservations([recorded(held('ghost'))]).size).toBe(0);
  });

  describe('reservationStatus compares with now', () => {
    it('a held reservation is HELD until expiresAt and EXPIRED from then on, with no expiry event', () => {
      expect(reservationStatus(doc('held'), EXPIRES - 1)).toBe('HELD');
      expect(reservationStatus(doc('held'), EXPIRES)).toBe('EXPIRED');
    });

    it('a reservation being paid stays HELD past expiresAt', () => {
      expect(reservationStatus(doc('paying'), EXPIRES + MINUTE)).toBe('HELD');
    });

    it('final phases do not depend on the time', () => {
      const at = [T0, EXPIRES + MINUTE];
      expect(at.map((now) => reservationStatus(doc('paid'), now))).toEqual(['PAID', 'PAID']);
      expect(at.map((now) => reservationStatus(doc('cancelled'), now))).toEqual(['CANCELLED', 'CANCELLED']);
      expect(at.map((now) => reservationStatus(doc('rejected'), now))).toEqual(['CANCELLED', 'CANCELLED']);
      expect(at.map((now) => reservationStatus(doc('expired'), now))).toEqual(['EXPIRED', 'EXPIRED']);
      expect(at.map((now) => reservationStatus(doc('refunded'), now))).toEqual(['REFUNDED', 'REFUNDED']);
    });
  });
});
