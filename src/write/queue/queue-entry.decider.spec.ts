import { T0, at, decided, given } from '../../shared/given-when-then';
import {
  CompleteQueueEntry,
  JoinQueue,
  QueueCompleted,
  QueueJoined,
  queueEntryDecider,
  queueEntryStream,
} from './queue-entry.decider';

const joined = (entryId: string): QueueJoined => ({
  type: 'QueueJoined',
  data: { entryId, concertId: 'c1', userId: 'u1' },
});
const completed = (entryId: string, reservationId = 'r1'): QueueCompleted => ({
  type: 'QueueCompleted',
  data: { entryId, reservationId },
});

const join = (entryId: string, expiredEntryIds: string[] = []): JoinQueue => ({
  type: 'JoinQueue',
  data: { entryId, concertId: 'c1', userId: 'u1', expiredEntryIds },
  metadata: at(T0),
});
const complete = (entryId: string, reservationId = 'r1'): CompleteQueueEntry => ({
  type: 'CompleteQueueEntry',
  data: { entryId, reservationId },
  metadata: at(T0),
});

describe('queue entry decider', () => {
  describe('JoinQueue', () => {
    it('joins when the user has no entry yet', () => {
      expect(given(queueEntryDecider).when(join('e1'))).toEqual(decided(joined('e1')));
    });

    it('is a no-op while the current entry is live: one live entry per user', () => {
      expect(given(queueEntryDecider, [joined('e1')]).when(join('e2'))).toEqual(decided());
    });

    it('is a no-op when only some other, older entry is known to have expired', () => {
      expect(given(queueEntryDecider, [joined('e1'), completed('e1'), joined('e2')]).when(join('e3', ['e1']))).toEqual(
        decided(),
      );
    });

    it('joins again after the current entry completed', () => {
      expect(given(queueEntryDecider, [joined('e1'), completed('e1')]).when(join('e2'))).toEqual(decided(joined('e2')));
    });

    it('joins again when the current entry is listed as expired', () => {
      expect(given(queueEntryDecider, [joined('e1')]).when(join('e2', ['e1']))).toEqual(decided(joined('e2')));
    });
  });

  describe('CompleteQueueEntry', () => {
    it('completes the current entry', () => {
      expect(given(queueEntryDecider, [joined('e1')]).when(complete('e1', 'r9'))).toEqual(
        decided(completed('e1', 'r9')),
      );
    });

    it('is a no-op for an entry already completed (a retried payment)', () => {
      expect(given(queueEntryDecider, [joined('e1'), completed('e1')]).when(complete('e1'))).toEqual(decided());
    });

    it('is a no-op for an entry that is not the current one', () => {
      expect(given(queueEntryDecider, [joined('e1'), completed('e1'), joined('e2')]).when(complete('e1'))).toEqual(
        decided(),
      );
    });

    it('is a no-op when the user never joined', () => {
      expect(given(queueEntryDecider).when(complete('e1'))).toEqual(decided());
    });
  });

  it('evolve ignores a completion of an entry that is not current', () => {
    const state = queueEntryDecider.evolve({ current: { entryId: 'e2', completed: false } }, completed('e1'));
    expect(state).toEqual({ current: { entryId: 'e2', completed: false } });
  });

  it('names the stream QueueEntry-<concertId>.<userId>', () => {
    expect(queueEntryStream('c1', 'u1')).toBe('QueueEntry-c1.u1');
  });
});
