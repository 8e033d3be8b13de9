import { T0, at, decided, given, refused } from '../../shared/given-when-then';
import {
  GrantSeats,
  ReturnSeats,
  SeatsGranted,
  SeatsReturned,
  seatAllowanceDecider,
  seatAllowanceStream,
  seatsInUse,
} from './seat-allowance.decider';

const ids = (reservationId: string) => ({ concertId: 'c1', userId: 'u1', reservationId });
const grant = (reservationId: string, seats: number, limit = 4): GrantSeats => ({
  type: 'GrantSeats',
  data: { ...ids(reservationId), seats, limit },
  metadata: at(T0),
});
const giveBack = (reservationId: string): ReturnSeats => ({
  type: 'ReturnSeats',
  data: ids(reservationId),
  metadata: at(T0),
});
const granted = (reservationId: string, seats: number, limit = 4): SeatsGranted => ({
  type: 'SeatsGranted',
  data: { ...ids(reservationId), seats, limit },
});
const returned = (reservationId: string, seats: number): SeatsReturned => ({
  type: 'SeatsReturned',
  data: { ...ids(reservationId), seats },
});

describe('seat allowance decider (maxSeatsPerUser)', () => {
  it('grants seats up to the limit', () => {
    expect(given(seatAllowanceDecider, [granted('r1', 2)]).when(grant('r2', 2))).toEqual(decided(granted('r2', 2)));
  });

  it('refuses a grant that would pass the limit (SEAT_LIMIT_REACHED), with the seats in use', () => {
    expect(given(seatAllowanceDecider, [granted('r1', 2), granted('r2', 1)]).when(grant('r3', 2))).toMatchObject(
      refused('SEAT_LIMIT_REACHED', { limit: 4, inUse: 3 }),
    );
  });

  it('refuses a single reservation larger than the limit', () => {
    expect(given(seatAllowanceDecider).when(grant('r1', 3, 2))).toMatchObject(refused('SEAT_LIMIT_REACHED'));
  });

  it('treats granting the same reservation again as a no-op (a retried or recovered hold)', () => {
    expect(given(seatAllowanceDecider, [granted('r1', 4)]).when(grant('r1', 4))).toEqual(decided());
  });

  it('returns what a reservation was granted, which frees room for another', () => {
    expect(given(seatAllowanceDecider, [granted('r1', 3)]).when(giveBack('r1'))).toEqual(decided(returned('r1', 3)));
    expect(given(seatAllowanceDecider, [granted('r1', 3), returned('r1', 3)]).when(grant('r2', 4))).toEqual(
      decided(granted('r2', 4)),
    );
  });

  it('returns exactly once: a second return, or one never granted, is a no-op', () => {
    expect(given(seatAllowanceDecider, [granted('r1', 2), returned('r1', 2)]).when(giveBack('r1'))).toEqual(decided());
    expect(given(seatAllowanceDecider, [granted('r1', 2)]).when(giveBack('r9'))).toEqual(decided());
  });

  it('refuses to grant again a reservation whose grant came back (a slow flow racing its recovery)', () => {
    expect(given(seatAllowanceDecider, [granted('r1', 2), returned('r1', 2)]).when(grant('r1', 2))).toMatchObject(
      refused('SEAT_LIMIT_REACHED'),
    );
  });

  it('counts the seats in use from the grants not yet returned', () => {
    const state = [granted('r1', 2), granted('r2', 1), returned('r1', 2)].reduce(
      seatAllowanceDecider.evolve,
      seatAllowanceDecider.initialState(),
    );
    expect(seatsInUse(state)).toBe(1);
  });

  it('names one stream per user per concert', () => {
    expect(seatAllowanceStream('c1', 'u1')).toBe('SeatAllowance-c1.u1');
  });
});
