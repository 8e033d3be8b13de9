import { CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import { WaitlistOffersState, waitlistOffersDecider, waitlistOffersStream } from './waitlist-offers.decider';

/**
 * Whether a reservation is a waiting-list offer made to this user. An offer
 * may come long after the user's queue token stopped being ACTIVE (the wait
 * for a freed seat is not bounded by the queue's window), so it is the offer
 * that lets its user pay, not the token's status.
 */
export async function isOfferTo(
  store: CachedEventStore,
  scheduleId: string,
  reservationId: string,
  userId: string,
): Promise<boolean> {
  const stream = waitlistOffersStream(scheduleId);
  const { state } = await store.load<WaitlistOffersState>(stream, waitlistOffersDecider);
  return state.entries.some((e) => e.userId === userId && e.offer?.reservationId === reservationId);
}
