import { Command, Decider, Event, assertNever } from '../../shared/decider';

/**
 * The admission ledger of one concert. Only the elected admission process
 * appends to it, and always with the expected revision, so even two processes
 * that both believe they lead cannot admit past capacity.
 */
export const admissionStream = (concertId: string) => `QueueAdmission-${concertId}`;

export type AdmittedEntry = { entryId: string; userId: string; joinedPosition: number };

export type QueueAdmitted = Event<
  'QueueAdmitted',
  { concertId: string; entries: AdmittedEntry[]; activeUntil: string }
>;
export type AdmissionEvent = QueueAdmitted;

export type AdmitNext = Command<
  'AdmitNext',
  {
    concertId: string;
    /** Waiting entries in join order, as the queue read model sees them. */
    candidates: readonly AdmittedEntry[];
    /** Admitted entries whose user has paid (DONE): they no longer take a slot. */
    completedEntryIds: ReadonlySet<string>;
    capacity: number;
    activeTtlSeconds: number;
  }
>;
export type AdmissionCommand = AdmitNext;

export type AdmissionState = {
  /** Join position of the last admitted entry: admission is FIFO, so everything up to it was admitted. */
  readonly servedUpTo: number;
  readonly admitted: readonly { readonly entryId: string; readonly activeUntil: number }[];
};

export const activeEntries = (state: AdmissionState, now: Date, completed: ReadonlySet<string>) =>
  state.admitted.filter((entry) => entry.activeUntil > now.getTime() && !completed.has(entry.entryId));

export const admissionDecider: Decider<AdmissionState, AdmissionCommand, AdmissionEvent> = {
  initialState: () => ({ servedUpTo: 0, admitted: [] }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'QueueAdmitted': {
        const activeUntil = Date.parse(event.data.activeUntil);
        const admitted = event.data.entries.map(({ entryId }) => ({ entryId, activeUntil }));
        const servedUpTo = Math.max(state.servedUpTo, ...event.data.entries.map((e) => e.joinedPosition));
        return { servedUpTo, admitted: [...state.admitted, ...admitted] };
      }
      default:
        return assertNever(event.type);
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'AdmitNext': {
        const { now } = command.metadata;
        const { concertId, candidates, completedEntryIds, capacity, activeTtlSeconds } = command.data;
        const free = capacity - activeEntries(state, now, completedEntryIds).length;
        if (free <= 0) return [];
        // Sorted here so FIFO never depends on the caller's ordering.
        const next = candidates
          .filter((c) => c.joinedPosition > state.servedUpTo)
          .sort((x, y) => x.joinedPosition - y.joinedPosition)
          .slice(0, free);
        if (next.length === 0) return [];
        const activeUntil = new Date(now.getTime() + activeTtlSeconds * 1000).toISOString();
        return [{ type: 'QueueAdmitted', data: { concertId, entries: [...next], activeUntil } }];
      }
      default:
        return assertNever(command.type);
    }
  },
};
