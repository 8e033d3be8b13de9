import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { OpenReservations, UNREAD } from './open-reservations';

let position = 0;
const recorded = (reservationId: string, type: string, data: object = {}): RecordedEvent => ({
  id: randomUUID(),
  streamId: `Reservation-${reservationId}`,
  revision: 0,
  position: ++position,
  type,
  data: { reservationId, ...data },
  metadata: {},
  recordedAt: new Date(1_000 * position),
});
const request = {
  userId: 'u1',
  concertId: 'c1',
  scheduleId: 's1',
  queueEntryId: 'q1',
  seatIds: ['s1.1'],
  amount: 1000,
  expiresAt: '2030-01-01T10:05:00.000Z',
};

describe('the sweeper index of open reservations', () => {
  it('folds each reservation with the reservation decider and remembers when it last changed', () => {
    const index = new OpenReservations();
    index.observe([recorded('r1', 'ReservationRequested', request), recorded('r1', 'ReservationHeld')]);
    const [open] = [...index.values()];
    expect(open.state).toMatchObject({ phase: 'held', request });
    expect(open.updatedAt).toBe(1_000 * position);
  });

  it('marks a reservation first seen after its request as one to read from its stream', () => {
    const index = new OpenReservations();
    index.observe([recorded('r2', 'ReservationHeld'), recorded('r2', 'PaymentStarted', { paymentId: 'p1' })]);
    expect([...index.values()][0].state).toBe(UNREAD);
    index.refresh('r2', {
      phase: 'held',
      request: { ...request, reservationId: 'r2' },
      paymentInFlight: 'p1',
      paidWith: undefined,
      refundInFlight: undefined,
      refundedWith: undefined,
    });
    expect([...index.values()][0].state.paymentInFlight).toBe('p1');
  });

  it('forgets a settled reservation and ignores other streams', () => {
    const index = new OpenReservations();
    index.observe([
      recorded('r3', 'ReservationRequested', request),
      { ...recorded('x', 'SeatHeld'), streamId: 'Seat-s1.1' },
    ]);
    expect(index.size).toBe(1);
    index.settled('r3');
    expect(index.size).toBe(0);
  });
});
