import { EventStore, RecordedEvent } from '../event-store/event-store.port';
import { CachedEventStore } from '../event-store/state-cache/cached-event-store';
import { Decider, Event } from '../shared/decider';
import { StreamStateCache } from '../event-store/state-cache/stream-state-cache';
import { ConcertCreated, concertDecider } from './catalog/concert.decider';
import { admissionDecider } from './queue/admission.decider';
import { queueEntryDecider } from './queue/queue-entry.decider';
import { reservationDecider } from './reservations/reservation.decider';
import { seatDecider, seatStream } from './reservations/seat.decider';
import { userDecider } from './users/user.decider';
import { walletDecider } from './wallet/wallet.decider';
import { waitlistEntryDecider } from './waitlist/waitlist-entry.decider';
import { waitlistOffersDecider } from './waitlist/waitlist-offers.decider';

/** Every stream category and the decider that folds it. */
const DECIDERS = {
  Username: userDecider,
  Concert: concertDecider,
  QueueEntry: queueEntryDecider,
  QueueAdmission: admissionDecider,
  Seat: seatDecider,
  Reservation: reservationDecider,
  Wallet: walletDecider,
  WaitlistUser: waitlistEntryDecider,
  WaitlistOffers: waitlistOffersDecider,
} as unknown as Record<string, Decider<unknown, never, Event>>;

/** A new concert's seats have no events yet: their first hold needs no read. */
const announcedStreams = (event: RecordedEvent): readonly string[] =>
  event.type === 'ConcertCreated'
    ? (event.data as ConcertCreated['data']).schedules.flatMap((s) => s.seats.map((seat) => seatStream(seat.seatId)))
    : [];

/** The write side's view of the store: every category's state cached within `budgetBytes`. */
export const cachedEventStore = (store: EventStore, budgetBytes: number) =>
  new CachedEventStore(store, new StreamStateCache(DECIDERS, budgetBytes, announcedStreams));
