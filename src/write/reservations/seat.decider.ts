import { Command, Decider, Event, assertNever } from '../../shared/decider';
import { refuse } from '../../shared/domain-error';

/** One stream per seat: holds on different seats never contend. */
export const seatStream = (seatId: string) => `Seat-${seatId}`;

export type SeatHeld = Event<'SeatHeld', { seatId: string; reservationId: string; userId: string; expiresAt: string }>;
export type SeatReleased = Event<'SeatReleased', { seatId: string; reservationId: string; reason: ReleaseReason }>;
export type SeatSold = Event<'SeatSold', { seatId: string; reservationId: string; paymentId: string }>;
export type SeatEvent = SeatHeld | SeatReleased | SeatSold;
export type ReleaseReason = 'cancelled' | 'expired' | 'hold-failed' | 'payment-failed' | 'refunded';

export type HoldSeat = Command<
  'HoldSeat',
  { seatId: string; reservationId: string; userId: string; expiresAt: string }
>;
export type ReleaseSeat = Command<'ReleaseSeat', { seatId: string; reservationId: string; reason: ReleaseReason }>;
export type SellSeat = Command<'SellSeat', { seatId: string; reservationId: string; paymentId: string }>;
export type SeatCommand = HoldSeat | ReleaseSeat | SellSeat;

export type SeatState = {
  /** The latest hold; it blocks others only while `now` is before `expiresAt`. */
  readonly hold: { readonly reservationId: string; readonly expiresAt: number } | undefined;
  readonly soldTo: string | undefined;
};

export const seatDecider: Decider<SeatState, SeatCommand, SeatEvent> = {
  initialState: () => ({ hold: undefined, soldTo: undefined }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'SeatHeld':
        return {
          ...state,
          hold: { reservationId: event.data.reservationId, expiresAt: Date.parse(event.data.expiresAt) },
        };
      case 'SeatReleased':
        return state.hold?.reservationId === event.data.reservationId ? { hold: undefined, soldTo: undefined } : state;
      case 'SeatSold':
        return { ...state, soldTo: event.data.reservationId };
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    const { seatId, reservationId } = command.data;
    switch (command.type) {
      case 'HoldSeat': {
        if (state.hold?.reservationId === reservationId) return [];
        const now = command.metadata.now.getTime();
        if (state.soldTo || (state.hold && state.hold.expiresAt > now)) {
          return refuse('SEAT_UNAVAILABLE', `seat ${seatId} is not available`, { seatIds: [seatId] });
        }
        return [{ type: 'SeatHeld', data: command.data }];
      }
      case 'ReleaseSeat':
        // A sold seat still names its reservation's hold, so a refund releases it the same way.
        if (state.hold?.reservationId !== reservationId) return [];
        return [{ type: 'SeatReleased', data: command.data }];
      case 'SellSeat':
        if (state.soldTo === reservationId) return [];
        // Selling needs this reservation to still own the hold; the reservation
        // decider has already checked the hold had not expired when payment began.
        if (state.soldTo || state.hold?.reservationId !== reservationId) {
          return refuse('HOLD_EXPIRED', `seat ${seatId} is no longer held by reservation ${reservationId}`);
        }
        return [{ type: 'SeatSold', data: command.data }];
      default:
        return assertNever(command);
    }
  },
};
