import { Command, Decider, Event, assertNever } from '../../shared/decider';
import type { SeatState } from '../reservations/seat.decider';

/**
 * The offer ledger of one schedule's waiting list. Only the elected waitlist
 * process appends to it, always with the expected revision: it enrols the
 * joins it sees in the log in join order, offers each freed seat to the first
 * entry still waiting, and records how each offer ended. Two processes that
 * both believe they lead cannot offer one seat twice.
 */
export const waitlistOffersStream = (scheduleId: string) => `WaitlistOffers-${scheduleId}`;

export type WaitlistEntryRef = {
  entryId: string;
  userId: string;
  concertId: string;
  /** The queue entry the user joined with: paying the offer completes it, as any payment does. */
  queueEntryId: string;
  joinedPosition: number;
};
export type OfferOutcome = 'paid' | 'expired' | 'cancelled' | 'unavailable';

export type WaitlistEnrolled = Event<'WaitlistEnrolled', { scheduleId: string; entries: WaitlistEntryRef[] }>;
/** The offer is a hold: `reservationId` names the reservation the hold process makes for the user. */
export type WaitlistOffered = Event<
  'WaitlistOffered',
  {
    scheduleId: string;
    entryId: string;
    userId: string;
    concertId: string;
    queueEntryId: string;
    reservationId: string;
    seatIds: string[];
    amount: number;
    expiresAt: string;
  }
>;
export type WaitlistOfferEnded = Event<
  'WaitlistOfferEnded',
  { scheduleId: string; entryId: string; userId: string; reservationId: string; outcome: OfferOutcome }
>;
export type WaitlistOffersEvent = WaitlistEnrolled | WaitlistOffered | WaitlistOfferEnded;

export type EnrollEntries = Command<'EnrollEntries', { scheduleId: string; entries: readonly WaitlistEntryRef[] }>;
export type OfferSeat = Command<
  'OfferSeat',
  {
    scheduleId: string;
    seatId: string;
    /** The seat's stream state: only a free seat is offered. */
    seat: SeatState;
    price: number;
    reservationId: string;
    offerSeconds: number;
  }
>;
export type EndOffer = Command<'EndOffer', { scheduleId: string; reservationId: string; outcome: OfferOutcome }>;
export type WaitlistOffersCommand = EnrollEntries | OfferSeat | EndOffer;

export type EntryStatus = 'waiting' | 'offered' | 'paid' | 'lapsed';
export type LedgerEntry = WaitlistEntryRef & {
  readonly status: EntryStatus;
  /** The entry's latest offer. */
  readonly offer: OfferTerms | undefined;
};
export type OfferTerms = {
  readonly reservationId: string;
  readonly seatIds: readonly string[];
  readonly amount: number;
  readonly expiresAt: string;
};
/** Every enrolled entry in join order: a waiting list is small next to the seats it waits for. */
export type WaitlistOffersState = { readonly entries: readonly LedgerEntry[] };

export const seatIsFree = (seat: SeatState, now: number) => !seat.soldTo && !(seat.hold && seat.hold.expiresAt > now);

/** Offers whose hold may still block the seat at `now`. */
export const liveOffers = (state: WaitlistOffersState, now: number) =>
  state.entries.filter((e) => e.status === 'offered' && Date.parse(e.offer!.expiresAt) > now);

const statusAfter: Record<OfferOutcome, EntryStatus> = {
  paid: 'paid',
  expired: 'lapsed',
  cancelled: 'lapsed',
  // The seat went to someone else before the hold was made: the user keeps the place.
  unavailable: 'waiting',
};

export const waitlistOffersDecider: Decider<WaitlistOffersState, WaitlistOffersCommand, WaitlistOffersEvent> = {
  initialState: () => ({ entries: [] }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'WaitlistEnrolled': {
        const added = event.data.entries.map((e): LedgerEntry => ({ ...e, status: 'waiting', offer: undefined }));
        const entries = [...state.entries, ...added].sort((a, b) => a.joinedPosition - b.joinedPosition);
        return { entries };
      }
      case 'WaitlistOffered': {
        const { entryId, reservationId, seatIds, amount, expiresAt } = event.data;
        return update(state, entryId, { status: 'offered', offer: { reservationId, seatIds, amount, expiresAt } });
      }
      case 'WaitlistOfferEnded': {
        const { entryId, outcome } = event.data;
        return update(state, entryId, { status: statusAfter[outcome] });
      }
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    const now = command.metadata.now.getTime();
    switch (command.type) {
      case 'EnrollEntries': {
        const known = new Set(state.entries.map((e) => e.entryId));
        const entries = command.data.entries
          .filter((e) => !known.has(e.entryId))
          .sort((a, b) => a.joinedPosition - b.joinedPosition);
        if (entries.length === 0) return [];
        return [{ type: 'WaitlistEnrolled', data: { scheduleId: command.data.scheduleId, entries } }];
      }
      case 'OfferSeat': {
        const { scheduleId, seatId, seat, price, reservationId, offerSeconds } = command.data;
        if (!seatIsFree(seat, now)) return [];
        if (liveOffers(state, now).some((e) => e.offer!.seatIds.includes(seatId))) return [];
        if (state.entries.some((e) => e.offer?.reservationId === reservationId)) return [];
        const first = state.entries.find((e) => e.status === 'waiting');
        if (!first) return [];
        const { entryId, userId, concertId, queueEntryId } = first;
        const expiresAt = new Date(now + offerSeconds * 1000).toISOString();
        return [
          {
            type: 'WaitlistOffered',
            data: {
              scheduleId,
              entryId,
              userId,
              concertId,
              queueEntryId,
              reservationId,
              seatIds: [seatId],
              amount: price,
              expiresAt,
            },
          },
        ];
      }
      case 'EndOffer': {
        const { scheduleId, reservationId, outcome } = command.data;
        const entry = state.entries.find((e) => e.status === 'offered' && e.offer!.reservationId === reservationId);
        if (!entry) return [];
        return [
          {
            type: 'WaitlistOfferEnded',
            data: { scheduleId, entryId: entry.entryId, userId: entry.userId, reservationId, outcome },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },
};

function update(state: WaitlistOffersState, entryId: string, change: Partial<LedgerEntry>): WaitlistOffersState {
  return { entries: state.entries.map((e) => (e.entryId === entryId ? { ...e, ...change } : e)) };
}
