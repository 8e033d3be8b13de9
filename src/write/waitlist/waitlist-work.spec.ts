import { logWriter } from '../../shared/given-when-then';
import { WaitlistWork, scheduleOfSeat } from './waitlist-work';

const at = logWriter();
const joined = (scheduleId: string, userId: string) =>
  at('WaitlistJoined', `WaitlistUser-${userId}`, {
    entryId: `e-${userId}-${scheduleId}`,
    scheduleId,
    concertId: 'c1',
    userId,
    queueEntryId: `q-${userId}`,
  });
const enrolled = (scheduleId: string, ...userIds: string[]) =>
  at('WaitlistEnrolled', `WaitlistOffers-${scheduleId}`, {
    scheduleId,
    entries: userIds.map((u) => ({ entryId: `e-${u}-${scheduleId}`, userId: u })),
  });
const released = (seatId: string) =>
  at('SeatReleased', `Seat-${seatId}`, { seatId, reservationId: 'r-old', reason: 'expired' });
const offered = (scheduleId: string, reservationId: string) =>
  at('WaitlistOffered', `WaitlistOffers-${scheduleId}`, { scheduleId, reservationId });
const reservation = (type: string, reservationId: string) =>
  at(type, `Reservation-${reservationId}`, { reservationId });
const ended = (scheduleId: string, reservationId: string) =>
  at('WaitlistOfferEnded', `WaitlistOffers-${scheduleId}`, { scheduleId, reservationId });

describe('the waitlist leader index', () => {
  it('keeps joins until their schedule’s ledger enrols them', () => {
    const work = new WaitlistWork(0);
    const [a, b, z] = [joined('s1', 'a'), joined('s1', 'b'), joined('s2', 'z')];
    work.apply([a, b, z]);
    expect([...work.joins.get('s1')!.values()].map((e) => [e.userId, e.joinedPosition])).toEqual([
      ['a', a.position],
      ['b', b.position],
    ]);
    work.apply([enrolled('s1', 'a', 'b')]);
    expect(work.joins.has('s1')).toBe(false);
    expect([...work.joins.get('s2')!.keys()]).toEqual(['e-z-s2']);
  });

  it('knows a freed seat’s schedule from the seat id', () => {
    expect(scheduleOfSeat('0b5c7a52-5f76.12')).toBe('0b5c7a52-5f76');
    const work = new WaitlistWork(0);
    work.apply([released('s1.3'), released('s1.4'), released('s2.1')]);
    expect([...work.releases.get('s1')!.keys()]).toEqual(['s1.3', 's1.4']);
    work.settled('s1', 's1.3');
    work.settled('s1', 's1.4');
    expect([...work.releases.keys()]).toEqual(['s2']);
  });

  it('learns how an open offer’s hold ended, and nothing of other reservations', () => {
    const work = new WaitlistWork(0);
    work.apply([
      offered('s1', 'r1'),
      offered('s1', 'r2'),
      reservation('ReservationExpired', 'r1'),
      reservation('ReservationPaid', 'r9'),
      reservation('ReservationRejected', 'r2'),
    ]);
    expect([...work.offers.values()].map((o) => [o.reservationId, o.outcome])).toEqual([
      ['r1', 'expired'],
      ['r2', 'unavailable'],
    ]);
    work.apply([ended('s1', 'r1')]);
    expect([...work.offers.keys()]).toEqual(['r2']);
  });

  it('keeps its low-water mark at the event applied before the oldest join, freed seat or offer still open, and applies a page once', () => {
    const start = joined('s0', 'z');
    const work = new WaitlistWork(start.position);
    const join = joined('s3', 'a');
    const release = released('s3.1');
    const offer = offered('s3', 'r3');
    const events = [join, release, offer];
    work.apply(events);
    work.apply(events);
    expect(work.joins.get('s3')!.size).toBe(1);
    // Positions the log gave out (where the index started, then its own events), never `position - 1`.
    expect(work.lowWater()).toBe(start.position);
    work.apply([enrolled('s3', 'a')]);
    expect(work.lowWater()).toBe(join.position);
    work.settled('s3', 's3.1');
    expect(work.lowWater()).toBe(release.position);
    const end = ended('s3', 'r3');
    work.apply([end]);
    expect(work.lowWater()).toBe(end.position);
  });
});
