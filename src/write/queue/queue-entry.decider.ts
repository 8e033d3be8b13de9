import { Command, Decider, Event, assertNever } from '../../shared/decider';

/** Each user's place in a concert's queue is its own stream: joining contends with nobody. */
export const queueEntryStream = (concertId: string, userId: string) => `QueueEntry-${concertId}.${userId}`;

export type QueueJoined = Event<'QueueJoined', { entryId: string; concertId: string; userId: string }>;
export type QueueCompleted = Event<'QueueCompleted', { entryId: string; reservationId: string }>;
export type QueueEntryEvent = QueueJoined | QueueCompleted;

export type JoinQueue = Command<
  'JoinQueue',
  {
    entryId: string;
    concertId: string;
    userId: string;
    /** Entries of this user the queue read model knows to have timed out while ACTIVE. */
    expiredEntryIds: readonly string[];
  }
>;
export type CompleteQueueEntry = Command<'CompleteQueueEntry', { entryId: string; reservationId: string }>;
export type QueueEntryCommand = JoinQueue | CompleteQueueEntry;

export type QueueEntryState = {
  readonly current: { readonly entryId: string; readonly completed: boolean } | undefined;
};

export const queueEntryDecider: Decider<QueueEntryState, QueueEntryCommand, QueueEntryEvent> = {
  initialState: () => ({ current: undefined }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'QueueJoined':
        return { current: { entryId: event.data.entryId, completed: false } };
      case 'QueueCompleted':
        return state.current?.entryId === event.data.entryId
          ? { current: { ...state.current, completed: true } }
          : state;
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'JoinQueue': {
        const { current } = state;
        const live = current && !current.completed && !command.data.expiredEntryIds.includes(current.entryId);
        if (live) return [];
        const { entryId, concertId, userId } = command.data;
        return [{ type: 'QueueJoined', data: { entryId, concertId, userId } }];
      }
      case 'CompleteQueueEntry':
        if (state.current?.entryId !== command.data.entryId || state.current.completed) return [];
        return [{ type: 'QueueCompleted', data: command.data }];
      default:
        return assertNever(command);
    }
  },
};
