import { SECOND, T0, at, decided, given, iso } from '../../shared/given-when-then';
import type { SeatState } from '../reservations/seat.decider';
import {
  OfferOutcome,
  OfferSeat,
  WaitlistEntryRef,
  WaitlistOffered,
  WaitlistOffersEvent,
  waitlistOffersDecider,
} from './waitlist-offers.decider';

const OFFER_SECONDS = 600;
const SEAT = 's1.7';
const entry = (n: number): WaitlistEntryRef => ({
  entryId: `e${n}`,
  userId: `u${n}`,
  concertId: 'c1',
  queueEntryId: `q${n}`,
  joinedPosition: n * 10,
});
const enrolled = (...ns: number[]): WaitlistOffersEvent => ({
  type: 'WaitlistEnrolled',
  data: { scheduleId: 's1', entries: ns.map(entry) },
});
const FREE: SeatState = { hold: undefined, soldTo: undefined };

const offerSeat = (now: number, reservationId: string, seat: SeatState = FREE, seatId = SEAT): OfferSeat => ({
  type: 'OfferSeat',
  data: { scheduleId: 's1', seatId, seat, price: 1000, reservationId, offerSeconds: OFFER_SECONDS },
  metadata: at(now),
});
const offered = (n: number, reservationId: string, now: number, seatId = SEAT): WaitlistOffered => ({
  type: 'WaitlistOffered',
  data: {
    scheduleId: 's1',
    entryId: `e${n}`,
    userId: `u${n}`,
    concertId: 'c1',
    queueEntryId: `q${n}`,
    reservationId,
    seatIds: [seatId],
    amount: 1000,
    expiresAt: iso(now + OFFER_SECONDS * SECOND),
  },
});
const ended = (n: number, reservationId: string, outcome: OfferOutcome): WaitlistOffersEvent => ({
  type: 'WaitlistOfferEnded',
  data: { scheduleId: 's1', entryId: `e${n}`, userId: `u${n}`, reservationId, outcome },
});

describe('waitlist offers decider', () => {
  it('enrols joins in join order, whatever order they arrive in, and each only once', () => {
    const history = [enrolled(2)];
    const outcome = given(waitlistOffersDecider, history).when({
      type: 'EnrollEntries',
      data: { scheduleId: 's1', entries: [entry(3), entry(2), entry(1)] },
      metadata: at(T0),
    });
    expect(outcome).toEqual(
      decided({ type: 'WaitlistEnrolled', data: { scheduleId: 's1', entries: [entry(1), entry(3)] } }),
    );
  });

  it('offers a free seat to the first entry waiting (FIFO by join order)', () => {
    const history = [enrolled(3), enrolled(1, 2)];
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0, 'r1'))).toEqual(decided(offered(1, 'r1', T0)));
  });

  it('offers the next freed seat to the next entry while the first offer is live', () => {
    const history = [enrolled(1, 2), offered(1, 'r1', T0)];
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0 + SECOND, 'r2', FREE, 's1.8'))).toEqual(
      decided(offered(2, 'r2', T0 + SECOND, 's1.8')),
    );
  });

  it('passes an offer that expired to the next entry, and never back to the first', () => {
    const history = [enrolled(1, 2, 3), offered(1, 'r1', T0), ended(1, 'r1', 'expired')];
    const later = T0 + OFFER_SECONDS * SECOND + SECOND;
    expect(given(waitlistOffersDecider, history).when(offerSeat(later, 'r2'))).toEqual(
      decided(offered(2, 'r2', later)),
    );
  });

  it('passes a seat whose offer ran out even before the end is recorded', () => {
    const history = [enrolled(1, 2), offered(1, 'r1', T0)];
    const later = T0 + OFFER_SECONDS * SECOND;
    expect(given(waitlistOffersDecider, history).when(offerSeat(later, 'r2'))).toEqual(
      decided(offered(2, 'r2', later)),
    );
  });

  it('removes a user whose offer was paid: the next seat goes to the next', () => {
    const history = [enrolled(1, 2), offered(1, 'r1', T0), ended(1, 'r1', 'paid')];
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0 + SECOND, 'r2'))).toEqual(
      decided(offered(2, 'r2', T0 + SECOND)),
    );
  });

  it('gives the place back to a user whose offered seat went to someone else first', () => {
    const history = [enrolled(1, 2), offered(1, 'r1', T0), ended(1, 'r1', 'unavailable')];
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0 + SECOND, 'r2'))).toEqual(
      decided(offered(1, 'r2', T0 + SECOND)),
    );
  });

  it('offers nothing while the seat is held by a live hold or sold', () => {
    const history = [enrolled(1)];
    const held: SeatState = { hold: { reservationId: 'x', expiresAt: T0 + SECOND }, soldTo: undefined };
    const sold: SeatState = { hold: { reservationId: 'x', expiresAt: T0 - SECOND }, soldTo: 'x' };
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0, 'r1', held))).toEqual(decided());
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0, 'r1', sold))).toEqual(decided());
    // A hold past its expiry blocks nobody, even before its release is written.
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0 + SECOND, 'r1', held))).toEqual(
      decided(offered(1, 'r1', T0 + SECOND)),
    );
  });

  it('never makes two live offers on one seat, nor the same offer twice', () => {
    const history = [enrolled(1, 2), offered(1, 'r1', T0)];
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0 + SECOND, 'r2'))).toEqual(decided());
    expect(given(waitlistOffersDecider, history).when(offerSeat(T0 + SECOND, 'r1', FREE, 's1.8'))).toEqual(decided());
  });

  it('offers nothing when nobody waits', () => {
    expect(
      given(waitlistOffersDecider, [enrolled(1), offered(1, 'r1', T0)]).when(offerSeat(T0, 'r2', FREE, 's1.8')),
    ).toEqual(decided());
    expect(given(waitlistOffersDecider).when(offerSeat(T0, 'r1'))).toEqual(decided());
  });

  it('ends a live offer once, with the outcome of its hold', () => {
    const history = [enrolled(1), offered(1, 'r1', T0)];
    const endOffer = (outcome: OfferOutcome) => ({
      type: 'EndOffer' as const,
      data: { scheduleId: 's1', reservationId: 'r1', outcome },
      metadata: at(T0),
    });
    expect(given(waitlistOffersDecider, history).when(endOffer('paid'))).toEqual(decided(ended(1, 'r1', 'paid')));
    expect(given(waitlistOffersDecider, [...history, ended(1, 'r1', 'paid')]).when(endOffer('expired'))).toEqual(
      decided(),
    );
  });
});
