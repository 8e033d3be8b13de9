import { MINUTE, T0, at, decided, fold, given, iso, refused } from '../../shared/given-when-then';
import {
  PaymentFailed,
  PaymentStarted,
  ReservationCommand,
  ReservationEvent,
  ReservationPaid,
  RefundRequested,
  ReservationRefunded,
  ReservationRequested,
  reservationDecider,
  reservationStream,
} from './reservation.decider';

const R = 'r1';
const OWNER = 'u1';
const AMOUNT = 300;
const EXPIRES = T0 + 5 * MINUTE;

const request: ReservationRequested['data'] = {
  reservationId: R,
  userId: OWNER,
  concertId: 'c1',
  scheduleId: 's1',
  queueEntryId: 'e1',
  seatIds: ['s1.1', 's1.2'],
  amount: AMOUNT,
  expiresAt: iso(EXPIRES),
};

const requested: ReservationRequested = { type: 'ReservationRequested', data: request };
const heldEvent: ReservationEvent = { type: 'ReservationHeld', data: { reservationId: R } };
const paymentStarted = (paymentId: string): PaymentStarted => ({
  type: 'PaymentStarted',
  data: { reservationId: R, paymentId, userId: OWNER, amount: AMOUNT },
});
const paymentFailed = (paymentId: string, code = 'INSUFFICIENT_BALANCE'): PaymentFailed => ({
  type: 'PaymentFailed',
  data: { reservationId: R, paymentId, code },
});
const paid = (paymentId: string): ReservationPaid => ({
  type: 'ReservationPaid',
  data: { reservationId: R, paymentId, amount: AMOUNT },
});

/** A reservation whose seats are all held. */
const HELD: ReservationEvent[] = [requested, heldEvent];

/** Builds a command of the given type at a time; the data is the reservation's ids plus `data`. */
function command<T extends ReservationCommand['type']>(
  type: T,
  now: number,
  data: Omit<Extract<ReservationCommand, { type: T }>['data'], 'reservationId'>,
): ReservationCommand {
  return { type, data: { reservationId: R, ...data }, metadata: at(now) } as ReservationCommand;
}
const startPayment = (now: number, paymentId = 'p1', userId = OWNER) =>
  command('StartPayment', now, { paymentId, userId });
const cancel = (now: number, userId = OWNER) => command('CancelReservation', now, { userId });
const expire = (now: number) => command('ExpireReservation', now, {});

describe('reservation decider', () => {
  describe('RequestHold / ConfirmHold / RejectHold', () => {
    it('records a new request', () => {
      expect(given(reservationDecider).when(command('RequestHold', T0, request))).toEqual(decided(requested));
    });

    it('ignores a repeated request', () => {
      expect(given(reservationDecider, [requested]).when(command('RequestHold', T0, request))).toEqual(decided());
    });

    it('confirms a pending hold, once', () => {
      expect(given(reservationDecider, [requested]).when(command('ConfirmHold', T0, {}))).toEqual(decided(heldEvent));
      expect(given(reservationDecider, HELD).when(command('ConfirmHold', T0, {}))).toEqual(decided());
    });

    it('rejects a pending hold with the unavailable seats, once', () => {
      const reject = command('RejectHold', T0, { unavailableSeatIds: ['s1.2'] });
      expect(given(reservationDecider, [requested]).when(reject)).toEqual(
        decided({ type: 'ReservationRejected', data: { reservationId: R, unavailableSeatIds: ['s1.2'] } }),
      );
      expect(given(reservationDecider, HELD).when(reject)).toEqual(decided());
    });

    it('neither confirms nor rejects a reservation that was never requested', () => {
      expect(given(reservationDecider).when(command('ConfirmHold', T0, {}))).toEqual(decided());
      expect(given(reservationDecider).when(command('RejectHold', T0, { unavailableSeatIds: [] }))).toEqual(decided());
    });
  });

  describe('StartPayment', () => {
    it('starts paying a held reservation with its amount', () => {
      expect(given(reservationDecider, HELD).when(startPayment(T0 + MINUTE))).toEqual(decided(paymentStarted('p1')));
    });

    it('starts one millisecond before expiresAt', () => {
      expect(given(reservationDecider, HELD).when(startPayment(EXPIRES - 1))).toEqual(decided(paymentStarted('p1')));
    });

    it('refuses at expiresAt with no expiry event written (HOLD_EXPIRED)', () => {
      expect(given(reservationDecider, HELD).when(startPayment(EXPIRES))).toMatchObject(refused('HOLD_EXPIRED'));
    });

    it('refuses a reservation still pending, rejected, cancelled or expired (HOLD_EXPIRED)', () => {
      const histories: ReservationEvent[][] = [
        [requested],
        [requested, { type: 'ReservationRejected', data: { reservationId: R, unavailableSeatIds: ['s1.1'] } }],
        [...HELD, { type: 'ReservationCancelled', data: { reservationId: R } }],
        [...HELD, { type: 'ReservationExpired', data: { reservationId: R } }],
      ];
      for (const history of histories) {
        expect(given(reservationDecider, history).when(startPayment(T0 + MINUTE))).toMatchObject(
          refused('HOLD_EXPIRED'),
        );
      }
    });

    it('refuses another user as if the reservation did not exist (RESERVATION_NOT_FOUND)', () => {
      expect(given(reservationDecider, HELD).when(startPayment(T0, 'p1', 'intruder'))).toMatchObject(
        refused('RESERVATION_NOT_FOUND'),
      );
      expect(given(reservationDecider).when(startPayment(T0))).toMatchObject(refused('RESERVATION_NOT_FOUND'));
    });

    it('is a no-op for the payment already in flight (a retried request)', () => {
      expect(given(reservationDecider, [...HELD, paymentStarted('p1')]).when(startPayment(T0 + MINUTE))).toEqual(
        decided(),
      );
    });

    it('refuses a second payment while one is in flight (PAYMENT_IN_PROGRESS)', () => {
      expect(
        given(reservationDecider, [...HELD, paymentStarted('p1')]).when(startPayment(T0 + MINUTE, 'p2')),
      ).toMatchObject(refused('PAYMENT_IN_PROGRESS'));
    });

    it('is a no-op for the payment that already paid it, even after expiry', () => {
      const history = [...HELD, paymentStarted('p1'), paid('p1')];
      expect(given(reservationDecider, history).when(startPayment(EXPIRES + MINUTE, 'p1'))).toEqual(decided());
    });

    it('refuses another payment once paid (ALREADY_PAID)', () => {
      const history = [...HELD, paymentStarted('p1'), paid('p1')];
      expect(given(reservationDecider, history).when(startPayment(T0 + MINUTE, 'p2'))).toMatchObject(
        refused('ALREADY_PAID'),
      );
    });

    it('allows a new payment after a failed one, while still held', () => {
      const history = [...HELD, paymentStarted('p1'), paymentFailed('p1')];
      expect(given(reservationDecider, history).when(startPayment(T0 + MINUTE, 'p2'))).toEqual(
        decided(paymentStarted('p2')),
      );
    });
  });

  describe('FailPayment / CompletePayment', () => {
    const inFlight = [...HELD, paymentStarted('p1')];

    it('fails the payment in flight', () => {
      expect(
        given(reservationDecider, inFlight).when(command('FailPayment', T0, { paymentId: 'p1', code: 'X' })),
      ).toEqual(decided(paymentFailed('p1', 'X')));
    });

    it('ignores a failure or completion of a payment that is not in flight', () => {
      expect(
        given(reservationDecider, inFlight).when(command('FailPayment', T0, { paymentId: 'p2', code: 'X' })),
      ).toEqual(decided());
      expect(given(reservationDecider, inFlight).when(command('CompletePayment', T0, { paymentId: 'p2' }))).toEqual(
        decided(),
      );
      expect(given(reservationDecider, HELD).when(command('CompletePayment', T0, { paymentId: 'p1' }))).toEqual(
        decided(),
      );
    });

    it('completes the payment in flight with the reservation amount, even after expiresAt', () => {
      expect(
        given(reservationDecider, inFlight).when(command('CompletePayment', EXPIRES + MINUTE, { paymentId: 'p1' })),
      ).toEqual(decided(paid('p1')));
    });

    it('completes once: a retried completion is a no-op', () => {
      expect(
        given(reservationDecider, [...inFlight, paid('p1')]).when(command('CompletePayment', T0, { paymentId: 'p1' })),
      ).toEqual(decided());
    });
  });

  describe('CancelReservation', () => {
    it('cancels a held reservation for its owner', () => {
      expect(given(reservationDecider, HELD).when(cancel(T0 + MINUTE))).toEqual(
        decided({ type: 'ReservationCancelled', data: { reservationId: R } }),
      );
    });

    it('refuses another user as if the reservation did not exist (RESERVATION_NOT_FOUND)', () => {
      expect(given(reservationDecider, HELD).when(cancel(T0 + MINUTE, 'intruder'))).toMatchObject(
        refused('RESERVATION_NOT_FOUND'),
      );
      expect(given(reservationDecider).when(cancel(T0))).toMatchObject(refused('RESERVATION_NOT_FOUND'));
    });

    it('refuses once the hold expired, with no expiry event (RESERVATION_NOT_HELD)', () => {
      expect(given(reservationDecider, HELD).when(cancel(EXPIRES - 1))).toEqual(
        decided({ type: 'ReservationCancelled', data: { reservationId: R } }),
      );
      expect(given(reservationDecider, HELD).when(cancel(EXPIRES))).toMatchObject(refused('RESERVATION_NOT_HELD'));
    });

    it('refuses while a payment is in flight (RESERVATION_NOT_HELD)', () => {
      expect(given(reservationDecider, [...HELD, paymentStarted('p1')]).when(cancel(T0 + MINUTE))).toMatchObject(
        refused('RESERVATION_NOT_HELD'),
      );
    });

    it('refuses a pending, paid or already cancelled reservation (RESERVATION_NOT_HELD)', () => {
      const histories: ReservationEvent[][] = [
        [requested],
        [...HELD, paymentStarted('p1'), paid('p1')],
        [...HELD, { type: 'ReservationCancelled', data: { reservationId: R } }],
      ];
      for (const history of histories) {
        expect(given(reservationDecider, history).when(cancel(T0 + MINUTE))).toMatchObject(
          refused('RESERVATION_NOT_HELD'),
        );
      }
    });
  });

  describe('ExpireReservation', () => {
    const expired = decided<ReservationEvent>({ type: 'ReservationExpired', data: { reservationId: R } });

    it('expires a held reservation at expiresAt', () => {
      expect(given(reservationDecider, HELD).when(expire(EXPIRES))).toEqual(expired);
    });

    it('expires a pending reservation whose hold process never finished', () => {
      expect(given(reservationDecider, [requested]).when(expire(EXPIRES))).toEqual(expired);
    });

    it('is a no-op before expiresAt', () => {
      expect(given(reservationDecider, HELD).when(expire(EXPIRES - 1))).toEqual(decided());
    });

    it('is a no-op while a payment is in flight, even past expiresAt', () => {
      expect(given(reservationDecider, [...HELD, paymentStarted('p1')]).when(expire(EXPIRES + MINUTE))).toEqual(
        decided(),
      );
    });

    it('is a no-op once paid, cancelled or already expired', () => {
      const histories: ReservationEvent[][] = [
        [...HELD, paymentStarted('p1'), paid('p1')],
        [...HELD, { type: 'ReservationCancelled', data: { reservationId: R } }],
        [...HELD, { type: 'ReservationExpired', data: { reservationId: R } }],
      ];
      for (const history of histories)
        expect(given(reservationDecider, history).when(expire(EXPIRES + MINUTE))).toEqual(decided());
    });

    it('expires after a failed payment once expiresAt has passed', () => {
      expect(
        given(reservationDecider, [...HELD, paymentStarted('p1'), paymentFailed('p1')]).when(expire(EXPIRES)),
      ).toEqual(expired);
    });
  });

  it('evolve records the payment in flight, clears it on failure and keeps the paying id', () => {
    expect(fold(reservationDecider, [...HELD, paymentStarted('p1')])).toMatchObject({
      phase: 'held',
      paymentInFlight: 'p1',
    });
    expect(fold(reservationDecider, [...HELD, paymentStarted('p1'), paymentFailed('p1')])).toMatchObject({
      phase: 'held',
      paymentInFlight: undefined,
    });
    expect(fold(reservationDecider, [...HELD, paymentStarted('p1'), paid('p1')])).toEqual({
      phase: 'paid',
      request,
      paymentInFlight: undefined,
      paidWith: 'p1',
    });
  });

  describe('RequestRefund / CompleteRefund', () => {
    const UNTIL = T0 + 60 * MINUTE;
    const PAID: ReservationEvent[] = [...HELD, paymentStarted('p1'), paid('p1')];
    const refund = (now: number, refundId = 'f1', userId = OWNER) =>
      command('RequestRefund', now, { refundId, userId, refundableUntil: iso(UNTIL) });
    const refundRequested = (refundId = 'f1'): RefundRequested => ({
      type: 'RefundRequested',
      data: { reservationId: R, refundId, userId: OWNER, paymentId: 'p1', amount: AMOUNT },
    });
    const refunded = (refundId = 'f1'): ReservationRefunded => ({
      type: 'ReservationRefunded',
      data: { reservationId: R, refundId, amount: AMOUNT },
    });

    it('records the intent to refund a paid reservation, with the payment it undoes', () => {
      expect(given(reservationDecider, PAID).when(refund(T0))).toEqual(decided(refundRequested()));
    });

    it('refuses from the refund cutoff on (REFUND_WINDOW_CLOSED)', () => {
      expect(given(reservationDecider, PAID).when(refund(UNTIL))).toMatchObject(refused('REFUND_WINDOW_CLOSED'));
      expect(given(reservationDecider, PAID).when(refund(UNTIL - 1))).toEqual(decided(refundRequested()));
    });

    it('refuses a reservation that is not paid (RESERVATION_NOT_PAID)', () => {
      for (const history of [HELD, [requested], [...HELD, paymentStarted('p1')]]) {
        expect(given(reservationDecider, history).when(refund(T0))).toMatchObject(refused('RESERVATION_NOT_PAID'));
      }
    });

    it('refuses another user as if the reservation did not exist (RESERVATION_NOT_FOUND)', () => {
      expect(given(reservationDecider, PAID).when(refund(T0, 'f1', 'u2'))).toMatchObject(
        refused('RESERVATION_NOT_FOUND'),
      );
    });

    it('treats the same refund asked again as a no-op, in flight or done (a retried Idempotency-Key)', () => {
      expect(given(reservationDecider, [...PAID, refundRequested()]).when(refund(T0))).toEqual(decided());
      expect(given(reservationDecider, [...PAID, refundRequested(), refunded()]).when(refund(UNTIL))).toEqual(
        decided(),
      );
    });

    it('refuses a second refund while one is in flight or after it is done', () => {
      expect(given(reservationDecider, [...PAID, refundRequested()]).when(refund(T0, 'f2'))).toMatchObject(
        refused('REFUND_IN_PROGRESS'),
      );
      expect(given(reservationDecider, [...PAID, refundRequested(), refunded()]).when(refund(T0, 'f2'))).toMatchObject(
        refused('ALREADY_REFUNDED'),
      );
    });

    it('completes the refund in flight, once', () => {
      const complete = command('CompleteRefund', T0, { refundId: 'f1' });
      expect(given(reservationDecider, [...PAID, refundRequested()]).when(complete)).toEqual(decided(refunded()));
      expect(given(reservationDecider, [...PAID, refundRequested(), refunded()]).when(complete)).toEqual(decided());
      expect(given(reservationDecider, PAID).when(complete)).toEqual(decided());
    });

    it('a refunded reservation cannot be paid, cancelled or expired', () => {
      const done = [...PAID, refundRequested(), refunded()];
      expect(given(reservationDecider, done).when(startPayment(T0, 'p2'))).toMatchObject(refused('ALREADY_REFUNDED'));
      expect(given(reservationDecider, done).when(cancel(T0))).toMatchObject(refused('RESERVATION_NOT_HELD'));
      expect(given(reservationDecider, done).when(expire(EXPIRES + MINUTE))).toEqual(decided());
      expect(fold(reservationDecider, done)).toMatchObject({ phase: 'refunded', refundedWith: 'f1' });
    });
  });

  it('names the stream Reservation-<id>', () => {
    expect(reservationStream('r9')).toBe('Reservation-r9');
  });
});
