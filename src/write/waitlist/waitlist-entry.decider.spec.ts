import { T0, at, decided, given } from '../../shared/given-when-then';
import { JoinWaitlist, WaitlistJoined, waitlistEntryDecider } from './waitlist-entry.decider';

const joined = (entryId: string, scheduleId = 's1'): WaitlistJoined => ({
  type: 'WaitlistJoined',
  data: { entryId, scheduleId, concertId: 'c1', userId: 'u1', queueEntryId: 'q1' },
});
const join = (entryId: string, scheduleId = 's1', endedEntryIds: string[] = []): JoinWaitlist => ({
  type: 'JoinWaitlist',
  data: { ...joined(entryId, scheduleId).data, endedEntryIds },
  metadata: at(T0),
});

describe('waitlist entry decider', () => {
  it('joins a schedule’s list', () => {
    expect(given(waitlistEntryDecider).when(join('e1'))).toEqual(decided(joined('e1')));
  });

  it('a second join while the entry is on the list keeps the first (idempotent)', () => {
    expect(given(waitlistEntryDecider, [joined('e1')]).when(join('e2'))).toEqual(decided());
  });

  it('joins another schedule’s list beside the first', () => {
    expect(given(waitlistEntryDecider, [joined('e1')]).when(join('e2', 's2'))).toEqual(decided(joined('e2', 's2')));
  });

  it('joins again once the ledger has closed the entry (its offer was paid or lapsed)', () => {
    expect(given(waitlistEntryDecider, [joined('e1')]).when(join('e2', 's1', ['e1']))).toEqual(decided(joined('e2')));
  });
});
