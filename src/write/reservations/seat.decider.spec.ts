import { DomainError } from '../../shared/domain-error';
import { MINUTE, T0, at, decided, fold, given, iso, mulberry32, refused } from '../../shared/given-when-then';
import {
  HoldSeat,
  ReleaseReason,
  ReleaseSeat,
  SeatEvent,
  SeatHeld,
  SeatReleased,
  SeatSold,
  SellSeat,
  seatDecider,
  seatStream,
} from './seat.decider';

const SEAT = 's1.7';
const HOLD_MS = 5 * MINUTE;
/** The first hold in most scenarios: reservation r1, taken at T0, expiring five minutes later. */
const EXPIRES = T0 + HOLD_MS;

const held = (reservationId: string, expiresAt = EXPIRES): SeatHeld => ({
  type: 'SeatHeld',
  data: { seatId: SEAT, reservationId, userId: `user-of-${reservationId}`, expiresAt: iso(expiresAt) },
});
const released = (reservationId: string, reason: ReleaseReason = 'cancelled'): SeatReleased => ({
  type: 'SeatReleased',
  data: { seatId: SEAT, reservationId, reason },
});
const sold = (reservationId: string, paymentId = `pay-${reservationId}`): SeatSold => ({
  type: 'SeatSold',
  data: { seatId: SEAT, reservationId, paymentId },
});

const hold = (reservationId: string, now: number, expiresAt = now + HOLD_MS): HoldSeat => ({
  type: 'HoldSeat',
  data: held(reservationId, expiresAt).data,
  metadata: at(now),
});
const release = (reservationId: string, now: number, reason: ReleaseReason = 'cancelled'): ReleaseSeat => ({
  type: 'ReleaseSeat',
  data: released(reservationId, reason).data,
  metadata: at(now),
});
const sell = (reservationId: string, now: number, paymentId = `pay-${reservationId}`): SellSeat => ({
  type: 'SellSeat',
  data: sold(reservationId, paymentId).data,
  metadata: at(now),
});

describe('seat decider', () => {
  describe('HoldSeat', () => {
    it('holds a free seat', () => {
      expect(given(seatDecider).when(hold('r1', T0))).toEqual(decided(held('r1')));
    });

    it('refuses while another reservation holds it live (SEAT_UNAVAILABLE with the seat id)', () => {
      expect(given(seatDecider, [held('r1')]).when(hold('r2', T0 + MINUTE))).toMatchObject(
        refused('SEAT_UNAVAILABLE', { seatIds: [SEAT] }),
      );
    });

    it('still refuses one millisecond before the hold expires', () => {
      expect(given(seatDecider, [held('r1')]).when(hold('r2', EXPIRES - 1))).toMatchObject(refused('SEAT_UNAVAILABLE'));
    });

    it('allows another reservation at expiresAt, with no release event written', () => {
      expect(given(seatDecider, [held('r1')]).when(hold('r2', EXPIRES))).toEqual(
        decided(held('r2', EXPIRES + HOLD_MS)),
      );
    });

    it('is a no-op when the same reservation holds it again (a retried hold)', () => {
      expect(given(seatDecider, [held('r1')]).when(hold('r1', T0 + MINUTE))).toEqual(decided());
    });

    it('allows another reservation once the holder released it', () => {
      expect(given(seatDecider, [held('r1'), released('r1')]).when(hold('r2', T0 + MINUTE))).toEqual(
        decided(held('r2', T0 + MINUTE + HOLD_MS)),
      );
    });

    it('refuses a sold seat to another reservation, even long after the hold expired', () => {
      expect(given(seatDecider, [held('r1'), sold('r1')]).when(hold('r2', EXPIRES + 60 * MINUTE))).toMatchObject(
        refused('SEAT_UNAVAILABLE', { seatIds: [SEAT] }),
      );
    });

    it('ignores a release by a reservation that does not hold it', () => {
      expect(given(seatDecider, [held('r1'), released('r2')]).when(hold('r2', T0 + MINUTE))).toMatchObject(
        refused('SEAT_UNAVAILABLE'),
      );
    });
  });

  describe('ReleaseSeat', () => {
    it('releases the seat when asked by the holder', () => {
      expect(given(seatDecider, [held('r1')]).when(release('r1', T0 + MINUTE, 'expired'))).toEqual(
        decided(released('r1', 'expired')),
      );
    });

    it('is a no-op when asked by a reservation that does not hold it', () => {
      expect(given(seatDecider, [held('r1')]).when(release('r2', T0 + MINUTE))).toEqual(decided());
    });

    it('is a no-op on a free seat and on an already released one', () => {
      expect(given(seatDecider).when(release('r1', T0))).toEqual(decided());
      expect(given(seatDecider, [held('r1'), released('r1')]).when(release('r1', T0 + MINUTE))).toEqual(decided());
    });

    it('is a no-op for the former holder once another reservation took the expired hold', () => {
      expect(given(seatDecider, [held('r1'), held('r2', EXPIRES + HOLD_MS)]).when(release('r1', EXPIRES + 1))).toEqual(
        decided(),
      );
    });
  });

  describe('SellSeat', () => {
    it('sells the seat to the reservation holding it', () => {
      expect(given(seatDecider, [held('r1')]).when(sell('r1', T0 + MINUTE))).toEqual(decided(sold('r1')));
    });

    it('is a no-op when already sold to the same reservation (a retried payment)', () => {
      expect(given(seatDecider, [held('r1'), sold('r1')]).when(sell('r1', T0 + MINUTE))).toEqual(decided());
    });

    it('refuses a reservation that never held the seat (HOLD_EXPIRED)', () => {
      expect(given(seatDecider).when(sell('r1', T0))).toMatchObject(refused('HOLD_EXPIRED'));
      expect(given(seatDecider, [held('r1')]).when(sell('r2', T0 + MINUTE))).toMatchObject(refused('HOLD_EXPIRED'));
    });

    it('refuses a reservation whose expired hold was taken by another (HOLD_EXPIRED)', () => {
      expect(
        given(seatDecider, [held('r1'), held('r2', EXPIRES + HOLD_MS)]).when(sell('r1', EXPIRES + 1)),
      ).toMatchObject(refused('HOLD_EXPIRED'));
    });

    it('refuses a reservation that released its hold (HOLD_EXPIRED)', () => {
      expect(given(seatDecider, [held('r1'), released('r1')]).when(sell('r1', T0 + MINUTE))).toMatchObject(
        refused('HOLD_EXPIRED'),
      );
    });

    it('never sells a seat sold to one reservation to another', () => {
      expect(given(seatDecider, [held('r1'), sold('r1')]).when(sell('r2', T0 + MINUTE))).toMatchObject(
        refused('HOLD_EXPIRED'),
      );
    });
  });

  describe('evolve', () => {
    it('keeps the latest hold and its expiry in epoch ms', () => {
      expect(fold(seatDecider, [held('r1'), held('r2', EXPIRES + HOLD_MS)])).toEqual({
        hold: { reservationId: 'r2', expiresAt: EXPIRES + HOLD_MS },
        soldTo: undefined,
      });
    });

    it('a release by the holder after the sale undoes the sale (used by payment compensation)', () => {
      // Pins current behaviour: PayReservationProcess releases every seat of a
      // failed payment with reason 'payment-failed', including those it sold.
      expect(fold(seatDecider, [held('r1'), sold('r1'), released('r1', 'payment-failed')])).toEqual({
        hold: undefined,
        soldTo: undefined,
      });
    });
  });

  it('names the stream Seat-<scheduleId>.<seatNo>', () => {
    expect(seatStream(SEAT)).toBe('Seat-s1.7');
  });
});

/** What a seat's history says, worked out from its events independently of the decider's own `evolve`. */
type Observed = { holder: string | undefined; holdUntil: number; buyer: string | undefined };
function observe(seen: Observed, event: SeatEvent): Observed {
  switch (event.type) {
    case 'SeatHeld':
      return { ...seen, holder: event.data.reservationId, holdUntil: Date.parse(event.data.expiresAt) };
    case 'SeatSold':
      return { ...seen, buyer: event.data.reservationId };
    case 'SeatReleased':
      // Only the holder's release counts; it also undoes that holder's sale (payment compensation).
      return event.data.reservationId === seen.holder ? { holder: undefined, holdUntil: 0, buyer: undefined } : seen;
  }
}

describe('seat decider under random interleavings', () => {
  const RESERVATIONS = ['r1', 'r2', 'r3', 'r4'];
  const REASONS: ReleaseReason[] = ['cancelled', 'expired', 'hold-failed', 'payment-failed'];
  const STEPS = 5_000;

  it.each([1, 42, 2024, 0xdecaf])('seed %i: never a hold over another live hold, never sold to two', (seed) => {
    const random = mulberry32(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const history: SeatEvent[] = [];
    const violations: string[] = [];
    const counts = { held: 0, sold: 0, released: 0, refused: 0 };
    let state = seatDecider.initialState();
    let seen: Observed = { holder: undefined, holdUntil: 0, buyer: undefined };
    let now = T0;

    for (let step = 0; step < STEPS; step++) {
      now += Math.floor(random() * 40_000); // 0–40 s a step, so holds of 1–3 minutes both block and lapse
      const reservationId = pick(RESERVATIONS);
      const kind = pick(['hold', 'hold', 'sell', 'release'] as const);
      const command =
        kind === 'hold'
          ? hold(reservationId, now, now + pick([1, 2, 3]) * MINUTE)
          : kind === 'sell'
            ? sell(reservationId, now)
            : release(reservationId, now, pick(REASONS));

      let events: readonly SeatEvent[];
      try {
        events = seatDecider.decide(command, state);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        counts.refused += 1;
        continue;
      }

      for (const event of events) {
        const other = event.data.reservationId !== seen.holder;
        if (event.type === 'SeatHeld') {
          counts.held += 1;
          if (seen.buyer) violations.push(`#${step}: ${reservationId} held a seat sold to ${seen.buyer}`);
          if (other && seen.holder && seen.holdUntil > now) {
            violations.push(`#${step}: ${reservationId} held over the live hold of ${seen.holder}`);
          }
        } else if (event.type === 'SeatSold') {
          counts.sold += 1;
          if (seen.buyer) violations.push(`#${step}: ${reservationId} bought a seat sold to ${seen.buyer}`);
          if (other) violations.push(`#${step}: ${reservationId} bought without holding the seat`);
        } else {
          counts.released += 1;
          if (other) violations.push(`#${step}: ${reservationId} released a seat held by ${seen.holder}`);
        }
        seen = observe(seen, event);
      }
      history.push(...events);
      state = events.reduce(seatDecider.evolve, state);
    }

    expect(violations).toEqual([]);
    expect(fold(seatDecider, history)).toEqual(state);
    expect({ holder: state.hold?.reservationId, soldTo: state.soldTo }).toEqual({
      holder: seen.holder,
      soldTo: seen.buyer,
    });
    // The run must have exercised every branch, or it proves nothing.
    expect(counts.held).toBeGreaterThan(100);
    expect(counts.sold).toBeGreaterThan(20);
    expect(counts.released).toBeGreaterThan(20);
    expect(counts.refused).toBeGreaterThan(100);
  });
});
