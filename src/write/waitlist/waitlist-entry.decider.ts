import { Command, Decider, Event, assertNever } from '../../shared/decider';

/**
 * One stream per user for every waiting list the user joins: joining contends
 * with nobody but the same user, and the user's list is one read. A join's
 * place is the global position of its event (as queue entries are ordered).
 */
export const waitlistUserStream = (userId: string) => `WaitlistUser-${userId}`;

export type WaitlistJoined = Event<
  'WaitlistJoined',
  { entryId: string; scheduleId: string; concertId: string; userId: string; queueEntryId: string }
>;
export type WaitlistEntryEvent = WaitlistJoined;

export type JoinWaitlist = Command<
  'JoinWaitlist',
  WaitlistJoined['data'] & {
    /** Entries of this user the schedule's offer ledger has closed (paid, lapsed): a join may replace them. */
    endedEntryIds: readonly string[];
  }
>;
export type WaitlistEntryCommand = JoinWaitlist;

/** The user's latest entry per schedule. */
export type WaitlistEntryState = {
  readonly entries: Readonly<Record<string, { readonly entryId: string; readonly concertId: string }>>;
};

export const waitlistEntryDecider: Decider<WaitlistEntryState, WaitlistEntryCommand, WaitlistEntryEvent> = {
  initialState: () => ({ entries: {} }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'WaitlistJoined': {
        const { scheduleId, entryId, concertId } = event.data;
        return { entries: { ...state.entries, [scheduleId]: { entryId, concertId } } };
      }
      default:
        return assertNever(event.type);
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'JoinWaitlist': {
        const { endedEntryIds, ...data } = command.data;
        const current = state.entries[data.scheduleId];
        // Joining again while the entry still waits (or holds an offer) keeps its place.
        if (current && !endedEntryIds.includes(current.entryId)) return [];
        return [{ type: 'WaitlistJoined', data }];
      }
      default:
        return assertNever(command.type);
    }
  },
};
