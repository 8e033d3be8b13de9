import { Command, Decider, Event, assertNever } from '../../shared/decider';
import { refuse } from '../../shared/domain-error';

/**
 * One user's seats in one concert with a `maxSeatsPerUser`, across all its
 * schedules. A hold is granted its seats here, with an expected revision,
 * before it takes any seat, so concurrent holds of one user serialise on this
 * short stream and together never exceed the limit; the grant is returned
 * once the reservation ends without keeping its seats.
 */
export const seatAllowanceStream = (concertId: string, userId: string) => `SeatAllowance-${concertId}.${userId}`;

type Ids = { concertId: string; userId: string; reservationId: string };
export type SeatsGranted = Event<'SeatsGranted', Ids & { seats: number; limit: number }>;
export type SeatsReturned = Event<'SeatsReturned', Ids & { seats: number }>;
export type SeatAllowanceEvent = SeatsGranted | SeatsReturned;

export type GrantSeats = Command<'GrantSeats', Ids & { seats: number; limit: number }>;
export type ReturnSeats = Command<'ReturnSeats', Ids>;
export type SeatAllowanceCommand = GrantSeats | ReturnSeats;

export type SeatAllowanceState = {
  /** Seats granted to reservations still holding or owning them. */
  readonly granted: ReadonlyMap<string, number>;
  /** Reservations whose grant came back: a late grant for one (a slow flow racing its recovery) is refused. */
  readonly returned: ReadonlySet<string>;
};

export const seatsInUse = (state: SeatAllowanceState) => [...state.granted.values()].reduce((sum, n) => sum + n, 0);

export const seatAllowanceDecider: Decider<SeatAllowanceState, SeatAllowanceCommand, SeatAllowanceEvent> = {
  initialState: () => ({ granted: new Map(), returned: new Set() }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'SeatsGranted':
        return { ...state, granted: new Map(state.granted).set(event.data.reservationId, event.data.seats) };
      case 'SeatsReturned': {
        const granted = new Map(state.granted);
        granted.delete(event.data.reservationId);
        return { granted, returned: new Set(state.returned).add(event.data.reservationId) };
      }
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    const { reservationId } = command.data;
    switch (command.type) {
      case 'GrantSeats': {
        const { seats, limit } = command.data;
        if (state.granted.has(reservationId)) return [];
        if (state.returned.has(reservationId)) {
          return refuse('SEAT_LIMIT_REACHED', `reservation ${reservationId} has already ended`, { limit });
        }
        const inUse = seatsInUse(state);
        if (inUse + seats > limit) {
          return refuse('SEAT_LIMIT_REACHED', `at most ${limit} seats per user for this concert`, { limit, inUse });
        }
        return [{ type: 'SeatsGranted', data: command.data }];
      }
      case 'ReturnSeats': {
        const seats = state.granted.get(reservationId);
        if (seats === undefined) return [];
        return [{ type: 'SeatsReturned', data: { ...command.data, seats } }];
      }
      default:
        return assertNever(command);
    }
  },
};
