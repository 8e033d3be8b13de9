import { EventLogGenerator } from '../bench/replay-events';
import { RecordedEvent } from '../src/event-store/event-store.port';
import { InMemorySink } from '../src/projections/in-memory.sink';
import { InMemoryDocumentReads, InMemoryQueueReads } from '../src/read/stores/in-memory.reads';
import { fold } from '../src/shared/decider';
import { reservationDecider } from '../src/write/reservations/reservation.decider';
import { seatDecider } from '../src/write/reservations/seat.decider';
import { walletDecider } from '../src/write/wallet/wallet.decider';

/** bench:replay's log: what the deciders write, on the service's streams, readable by every projection. */
describe('the replay benchmark log', () => {
  const generator = new EventLogGenerator({ seed: 7 });
  const events: RecordedEvent[] = [];
  while (events.length < 30_000) events.push(...generator.next(5_000));
  events.push(...generator.rest());
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of events) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
  const sink = new InMemorySink();
  const documents = new InMemoryDocumentReads(sink.documents);
  const queues = new InMemoryQueueReads(sink.documents);
  const later = Date.parse('2100-01-01T00:00:00Z');

  beforeAll(async () => {
    // Delivered in uneven batches, as replayInto would.
    for (let i = 0; i < events.length; i += 1_234) await sink.apply(events.slice(i, i + 1_234));
  });

  it('is the same for a seed, and has every kind of event of a rush', () => {
    const again = new EventLogGenerator({ seed: 7 }).next(2_000);
    expect(again.map((e) => [e.id, e.streamId, e.type, e.data])).toEqual(
      events.slice(0, 2_000).map((e) => [e.id, e.streamId, e.type, e.data]),
    );
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'UserRegistered',
      'WalletCharged',
      'ConcertCreated',
      'QueueJoined',
      'QueueAdmitted',
      'ReservationRequested',
      'SeatHeld',
      'ReservationHeld',
      'PaymentStarted',
      'WalletDebited',
      'SeatSold',
      'ReservationPaid',
      'QueueCompleted',
      'ReservationExpired',
      'SeatReleased',
      'ReservationCancelled',
      'ReservationRejected',
      'PaymentFailed',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('numbers positions densely from 1 and each stream’s revisions from 0, on the service’s stream names', () => {
    expect(events.map((e) => e.position)).toEqual(events.map((_, i) => i + 1));
    for (const [streamId, list] of streams) {
      expect(list.map((e) => e.revision)).toEqual(list.map((_, i) => i));
      expect(streamId).toMatch(/^(Username|Wallet|Concert|QueueEntry|QueueAdmission|Reservation|Seat)-[^-]/);
    }
  });

  it('folds every stream with its decider to the state the simulation knows', () => {
    for (const [reservationId, known] of generator.reservations) {
      const list = streams.get(`Reservation-${reservationId}`)!;
      const state = fold(reservationDecider, list);
      expect(state.phase).toBe(known.outcome === 'paid' ? 'paid' : known.outcome);
    }
    for (const user of generator.users) {
      const wallet = streams.get(`Wallet-${user.userId}`);
      if (wallet) expect(fold(walletDecider, wallet).balance).toBe(user.balance);
    }
    let sold = 0;
    for (const [streamId, list] of streams)
      if (streamId.startsWith('Seat-') && fold(seatDecider, list).soldTo) sold += 1;
    const paidSeats = [...generator.reservations.values()]
      .filter((r) => r.outcome === 'paid')
      .reduce((n, r) => n + r.seatIds.length, 0);
    expect(sold).toBe(paidSeats);
  });

  it('is read by the in-memory projections as the service would answer', async () => {
    const paid = [...generator.reservations].filter(([, r]) => r.outcome === 'paid');
    const expired = [...generator.reservations].filter(([, r]) => r.outcome === 'expired');
    const cancelled = [...generator.reservations].filter(([, r]) => r.outcome === 'cancelled');
    expect(paid.length).toBeGreaterThan(100);
    expect(expired.length).toBeGreaterThan(10);
    for (const [id] of paid) expect((await documents.reservation(id, later))?.status).toBe('PAID');
    for (const [id] of expired) expect((await documents.reservation(id, later))?.status).toBe('EXPIRED');
    for (const [id] of cancelled) expect((await documents.reservation(id, later))?.status).toBe('CANCELLED');
    for (const user of generator.users.slice(0, 200)) {
      expect(await documents.walletBalance(user.userId)).toBe(user.balance);
    }
    // Every sold seat is on the seat map as SOLD, and nothing else is.
    const concerts = await documents.concerts();
    let soldOnMaps = 0;
    for (const concert of concerts) {
      for (const scheduleId of concert.scheduleIds) {
        const map = await documents.seatMap(scheduleId, later);
        soldOnMaps += map!.seats.filter((s) => s.status === 'SOLD').length;
      }
    }
    expect(soldOnMaps).toBe(paid.reduce((n, [, r]) => n + r.seatIds.length, 0));
    // A paid fan's queue token is DONE.
    const { concertId, queueEntryId } = events.find(
      (e) => e.type === 'ReservationRequested' && (e.data as { reservationId: string }).reservationId === paid[0][0],
    )!.data as { concertId: string; queueEntryId: string };
    expect((await queues.entry(concertId, queueEntryId, later))?.status).toBe('DONE');
  });
});
