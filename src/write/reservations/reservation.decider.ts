import { Command, Decider, Event, assertNever } from '../../shared/decider';
import { refuse } from '../../shared/domain-error';

export const reservationStream = (reservationId: string) => `Reservation-${reservationId}`;

type Ids = { reservationId: string };
export type ReservationRequested = Event<
  'ReservationRequested',
  Ids & {
    userId: string;
    concertId: string;
    scheduleId: string;
    queueEntryId: string;
    seatIds: string[];
    amount: number;
    expiresAt: string;
  }
>;
export type ReservationHeld = Event<'ReservationHeld', Ids>;
export type ReservationRejected = Event<'ReservationRejected', Ids & { unavailableSeatIds: string[] }>;
export type ReservationCancelled = Event<'ReservationCancelled', Ids>;
export type ReservationExpired = Event<'ReservationExpired', Ids>;
export type PaymentStarted = Event<'PaymentStarted', Ids & { paymentId: string; userId: string; amount: number }>;
export type PaymentFailed = Event<'PaymentFailed', Ids & { paymentId: string; code: string }>;
export type ReservationPaid = Event<'ReservationPaid', Ids & { paymentId: string; amount: number }>;
export type RefundRequested = Event<
  'RefundRequested',
  Ids & { refundId: string; userId: string; paymentId: string; amount: number }
>;
export type ReservationRefunded = Event<'ReservationRefunded', Ids & { refundId: string; amount: number }>;
export type ReservationEvent =
  | ReservationRequested
  | ReservationHeld
  | ReservationRejected
  | ReservationCancelled
  | ReservationExpired
  | PaymentStarted
  | PaymentFailed
  | ReservationPaid
  | RefundRequested
  | ReservationRefunded;

export type RequestHold = Command<'RequestHold', ReservationRequested['data']>;
export type ConfirmHold = Command<'ConfirmHold', Ids>;
export type RejectHold = Command<'RejectHold', Ids & { unavailableSeatIds: string[] }>;
export type CancelReservation = Command<'CancelReservation', Ids & { userId: string }>;
export type ExpireReservation = Command<'ExpireReservation', Ids>;
export type StartPayment = Command<'StartPayment', Ids & { paymentId: string; userId: string }>;
export type FailPayment = Command<'FailPayment', Ids & { paymentId: string; code: string }>;
export type CompletePayment = Command<'CompletePayment', Ids & { paymentId: string }>;
/** `refundableUntil`: the schedule's start less the concert's refund cutoff (ISO). */
export type RequestRefund = Command<
  'RequestRefund',
  Ids & { refundId: string; userId: string; refundableUntil: string }
>;
export type CompleteRefund = Command<'CompleteRefund', Ids & { refundId: string }>;
export type ReservationCommand =
  | RequestHold
  | ConfirmHold
  | RejectHold
  | CancelReservation
  | ExpireReservation
  | StartPayment
  | FailPayment
  | CompletePayment
  | RequestRefund
  | CompleteRefund;

/** `pending` means the hold process has not finished taking the seats. */
export type ReservationPhase = 'none' | 'pending' | 'held' | 'rejected' | 'cancelled' | 'expired' | 'paid' | 'refunded';

export type ReservationState = {
  readonly phase: ReservationPhase;
  readonly request: ReservationRequested['data'] | undefined;
  readonly paymentInFlight: string | undefined;
  readonly paidWith: string | undefined;
  /** A paid reservation whose refund began and has not finished: the refund process still owes steps. */
  readonly refundInFlight: string | undefined;
  readonly refundedWith: string | undefined;
};

export const reservationDecider: Decider<ReservationState, ReservationCommand, ReservationEvent> = {
  initialState: () => ({
    phase: 'none',
    request: undefined,
    paymentInFlight: undefined,
    paidWith: undefined,
    refundInFlight: undefined,
    refundedWith: undefined,
  }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'ReservationRequested':
        return { ...state, phase: 'pending', request: event.data };
      case 'ReservationHeld':
        return { ...state, phase: 'held' };
      case 'ReservationRejected':
        return { ...state, phase: 'rejected' };
      case 'ReservationCancelled':
        return { ...state, phase: 'cancelled' };
      case 'ReservationExpired':
        return { ...state, phase: 'expired' };
      case 'PaymentStarted':
        return { ...state, paymentInFlight: event.data.paymentId };
      case 'PaymentFailed':
        return { ...state, paymentInFlight: undefined };
      case 'ReservationPaid':
        return { ...state, phase: 'paid', paymentInFlight: undefined, paidWith: event.data.paymentId };
      case 'RefundRequested':
        return { ...state, refundInFlight: event.data.refundId };
      case 'ReservationRefunded':
        return { ...state, phase: 'refunded', refundInFlight: undefined, refundedWith: event.data.refundId };
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    const { reservationId } = command.data;
    const now = command.metadata.now.getTime();
    const expired = state.request !== undefined && Date.parse(state.request.expiresAt) <= now;
    switch (command.type) {
      case 'RequestHold':
        if (state.phase !== 'none') return [];
        return [{ type: 'ReservationRequested', data: command.data }];
      case 'ConfirmHold':
        if (state.phase !== 'pending') return [];
        return [{ type: 'ReservationHeld', data: { reservationId } }];
      case 'RejectHold':
        if (state.phase !== 'pending') return [];
        return [{ type: 'ReservationRejected', data: command.data }];
      case 'CancelReservation':
        if (state.request?.userId !== command.data.userId) return notFound(reservationId);
        if (state.phase !== 'held' || expired || state.paymentInFlight) {
          return refuse('RESERVATION_NOT_HELD', `reservation ${reservationId} is not held`);
        }
        return [{ type: 'ReservationCancelled', data: { reservationId } }];
      case 'ExpireReservation':
        if ((state.phase !== 'held' && state.phase !== 'pending') || !expired || state.paymentInFlight) return [];
        return [{ type: 'ReservationExpired', data: { reservationId } }];
      case 'StartPayment': {
        const { paymentId, userId } = command.data;
        if (state.request?.userId !== userId) return notFound(reservationId);
        if (state.phase === 'refunded') return refuse('ALREADY_REFUNDED', `reservation ${reservationId} was refunded`);
        if (state.phase === 'paid') {
          // The same payment asked again (a retried Idempotency-Key) is not a second payment.
          if (state.paidWith === paymentId) return [];
          return refuse('ALREADY_PAID', `reservation ${reservationId} is already paid`);
        }
        if (state.paymentInFlight === paymentId) return [];
        if (state.paymentInFlight) return refuse('PAYMENT_IN_PROGRESS', `reservation ${reservationId} is being paid`);
        if (state.phase !== 'held' || expired)
          return refuse('HOLD_EXPIRED', `reservation ${reservationId} is no longer held`);
        return [{ type: 'PaymentStarted', data: { reservationId, paymentId, userId, amount: state.request.amount } }];
      }
      case 'FailPayment':
        if (state.paymentInFlight !== command.data.paymentId) return [];
        return [{ type: 'PaymentFailed', data: command.data }];
      case 'CompletePayment':
        if (state.paymentInFlight !== command.data.paymentId) return [];
        return [{ type: 'ReservationPaid', data: { ...command.data, amount: state.request!.amount } }];
      case 'RequestRefund': {
        const { refundId, userId } = command.data;
        if (state.request?.userId !== userId) return notFound(reservationId);
        // The same refund asked again (a retried Idempotency-Key) is not a second refund.
        if (state.refundInFlight === refundId || state.refundedWith === refundId) return [];
        if (state.phase === 'refunded') return refuse('ALREADY_REFUNDED', `reservation ${reservationId} was refunded`);
        if (state.refundInFlight) return refuse('REFUND_IN_PROGRESS', `reservation ${reservationId} is being refunded`);
        if (state.phase !== 'paid' || !state.paidWith) {
          return refuse('RESERVATION_NOT_PAID', `reservation ${reservationId} is not paid`);
        }
        if (now >= Date.parse(command.data.refundableUntil)) {
          return refuse('REFUND_WINDOW_CLOSED', `reservation ${reservationId} can no longer be refunded`, {
            refundableUntil: command.data.refundableUntil,
          });
        }
        const { paidWith: paymentId, request } = state;
        return [
          { type: 'RefundRequested', data: { reservationId, refundId, userId, paymentId, amount: request.amount } },
        ];
      }
      case 'CompleteRefund':
        if (state.refundInFlight !== command.data.refundId) return [];
        return [{ type: 'ReservationRefunded', data: { ...command.data, amount: state.request!.amount } }];
      default:
        return assertNever(command);
    }
  },
};

const notFound = (reservationId: string) => refuse('RESERVATION_NOT_FOUND', `reservation ${reservationId} not found`);
