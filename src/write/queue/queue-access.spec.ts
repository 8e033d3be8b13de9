import { fold } from '../../shared/decider';
import { T0 } from '../../shared/given-when-then';
import { admissionDecider, QueueAdmitted } from './admission.decider';
import { expiredEntryIds, statusOf } from './queue-access';
import { QueueEntryEvent, queueEntryDecider } from './queue-entry.decider';

const joined = (entryId: string): QueueEntryEvent => ({
  type: 'QueueJoined',
  data: { entryId, concertId: 'c1', userId: 'u1' },
});
const completed = (entryId: string): QueueEntryEvent => ({
  type: 'QueueCompleted',
  data: { entryId, reservationId: 'r1' },
});
const admitted = (entryId: string, activeUntil: number): QueueAdmitted => ({
  type: 'QueueAdmitted',
  data: {
    concertId: 'c1',
    entries: [{ entryId, userId: 'u1', joinedPosition: 1 }],
    activeUntil: new Date(activeUntil).toISOString(),
  },
});

const entry = (...events: QueueEntryEvent[]) => fold(queueEntryDecider, events);
const ledger = (...events: QueueAdmitted[]) => fold(admissionDecider, events);

describe('queue access from the entry and admission streams', () => {
  it('is WAITING until the ledger admits the entry, ACTIVE until its time runs out, then EXPIRED', () => {
    const e = entry(joined('e1'));
    expect(statusOf(e, ledger(), 'e1', T0)).toBe('WAITING');
    const l = ledger(admitted('e1', T0 + 1_000));
    expect(statusOf(e, l, 'e1', T0 + 999)).toBe('ACTIVE');
    expect(statusOf(e, l, 'e1', T0 + 1_000)).toBe('EXPIRED');
    expect(expiredEntryIds(e, l, T0 + 1_000)).toEqual(['e1']);
    expect(expiredEntryIds(e, l, T0)).toEqual([]);
  });

  it('is DONE once the entry completed, even while its admission lasts', () => {
    expect(statusOf(entry(joined('e1'), completed('e1')), ledger(admitted('e1', T0 + 1_000)), 'e1', T0)).toBe('DONE');
  });

  it('does not take an admission of another entry for this one', () => {
    expect(statusOf(entry(joined('e2')), ledger(admitted('e1', T0 + 1_000)), 'e2', T0)).toBe('WAITING');
  });

  it('calls a token of an entry that a later join replaced EXPIRED, and one the stream never had UNKNOWN', () => {
    const e = entry(joined('e1'), joined('e2'));
    expect(statusOf(e, ledger(admitted('e2', T0 + 1_000)), 'e1', T0)).toBe('EXPIRED');
    expect(statusOf(entry(), ledger(), 'e1', T0)).toBe('UNKNOWN');
  });
});
