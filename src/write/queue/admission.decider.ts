import { Command, Decider, Event, assertNever } from '../../shared/decider';
import { refuse } from '../../shared/domain-error';
import { isPreQueueSeed } from '../../shared/pre-queue-order';
import { RecentAdmission, rateAllowance, rememberAdmission } from './admission-rate';

/**
 * The admission ledger of one concert. Only the elected admission process
 * admits, and the admin's controls (pause, resume, inflow rate) land on the
 * same stream, all appended with the expected revision: even two processes
 * that both believe they lead cannot admit past capacity, and a control that
 * races an admission costs a retry, never a decision on stale rules.
 */
export const admissionStream = (concertId: string) => `QueueAdmission-${concertId}`;

/**
 * `rank` orders admission: the join position, except for a pre-queue entry,
 * which takes the join position of the entry whose place the opening's
 * shuffle gave it (so the ranks of a line are its join positions, reordered).
 */
export type AdmittedEntry = { entryId: string; userId: string; joinedPosition: number; rank?: number };
export const rankOf = (entry: AdmittedEntry): number => entry.rank ?? entry.joinedPosition;

export type QueueAdmitted = Event<
  'QueueAdmitted',
  {
    concertId: string;
    entries: AdmittedEntry[];
    activeUntil: string;
    /** When the leader decided (absent on admissions older than the inflow rate): the rate's clock. */
    admittedAt?: string;
  }
>;
export type AdmissionPaused = Event<'AdmissionPaused', { concertId: string; pausedAt: string }>;
export type AdmissionResumed = Event<'AdmissionResumed', { concertId: string; resumedAt: string }>;
/** `admitPerMinute` null lifts the limit; it overrides the one the concert was created with. */
export type AdmissionRateSet = Event<
  'AdmissionRateSet',
  { concertId: string; admitPerMinute: number | null; setAt: string }
>;
/**
 * The scheduled opening: every QueueJoined of the concert before this event is
 * the pre-queue, admitted first in the order `seed` gives it (preQueueOrder);
 * later joins follow, FIFO.
 */
export type QueueOpened = Event<'QueueOpened', { concertId: string; seed: number; openedAt: string }>;
export type AdmissionEvent = QueueAdmitted | AdmissionPaused | AdmissionResumed | AdmissionRateSet | QueueOpened;

export const MAX_ADMIT_PER_MINUTE = 1_000_000;

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
    /** The inflow rate the concert was created with, until the ledger sets one. */
    admitPerMinute?: number;
    /** The concert's opening, when it has one: nobody is admitted before the ledger records it. */
    onSaleAt?: string;
    /** The pre-queue's shuffle seed, when this decision may open the sale (see isPreQueueSeed). */
    seed?: number;
  }
>;
export type PauseAdmission = Command<'PauseAdmission', { concertId: string }>;
export type ResumeAdmission = Command<'ResumeAdmission', { concertId: string }>;
export type SetAdmissionRate = Command<'SetAdmissionRate', { concertId: string; admitPerMinute: number | null }>;
export type AdmissionCommand = AdmitNext | PauseAdmission | ResumeAdmission | SetAdmissionRate;

export type AdmissionState = {
  /** Join position of the last admitted entry: admission is FIFO, so everything up to it was admitted. */
  readonly servedUpTo: number;
  readonly admitted: readonly { readonly entryId: string; readonly activeUntil: number }[];
  readonly paused: boolean;
  /** Set by an admin on the ledger (null: no limit); undefined: the concert's own rate applies. */
  readonly admitPerMinute: number | null | undefined;
  /** Admissions of the last minute, for the inflow rate. */
  readonly recent: readonly RecentAdmission[];
  /** The scheduled opening is recorded (QueueOpened). */
  readonly opened: boolean;
};

export const activeEntries = (state: AdmissionState, now: Date, completed: ReadonlySet<string>) =>
  state.admitted.filter((entry) => entry.activeUntil > now.getTime() && !completed.has(entry.entryId));

/** The inflow rate in force: the ledger's, else the concert's; undefined is no limit. */
export const admitPerMinuteOf = (state: AdmissionState, concertRate: number | undefined): number | undefined =>
  state.admitPerMinute === undefined ? concertRate : (state.admitPerMinute ?? undefined);

export const admissionDecider: Decider<AdmissionState, AdmissionCommand, AdmissionEvent> = {
  initialState: () => ({
    servedUpTo: 0,
    admitted: [],
    paused: false,
    admitPerMinute: undefined,
    recent: [],
    opened: false,
  }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'QueueAdmitted': {
        const activeUntil = Date.parse(event.data.activeUntil);
        const admitted = event.data.entries.map(({ entryId }) => ({ entryId, activeUntil }));
        const servedUpTo = Math.max(state.servedUpTo, ...event.data.entries.map(rankOf));
        const at = event.data.admittedAt ? Date.parse(event.data.admittedAt) : NaN;
        const recent = Number.isFinite(at)
          ? rememberAdmission(state.recent, at, event.data.entries.length)
          : state.recent;
        return { ...state, servedUpTo, admitted: [...state.admitted, ...admitted], recent };
      }
      case 'AdmissionPaused':
        return { ...state, paused: true };
      case 'AdmissionResumed':
        return { ...state, paused: false };
      case 'AdmissionRateSet':
        return { ...state, admitPerMinute: event.data.admitPerMinute };
      case 'QueueOpened':
        return { ...state, opened: true };
      default:
        return assertNever(event);
    }
  },
  decide: (command, state) => {
    const { now } = command.metadata;
    switch (command.type) {
      case 'AdmitNext': {
        const { concertId, candidates, completedEntryIds, capacity, activeTtlSeconds, onSaleAt, seed } = command.data;
        if (onSaleAt !== undefined && !state.opened) {
          // The opening is a decision of its own: the order it fixes is known once its position in the log is.
          if (now.getTime() < Date.parse(onSaleAt)) return [];
          if (!isPreQueueSeed(seed)) return refuse('VALIDATION_FAILED', `pre-queue seed ${seed} is out of range`);
          return [{ type: 'QueueOpened', data: { concertId, seed, openedAt: now.toISOString() } }];
        }
        if (state.paused) return [];
        let free = capacity - activeEntries(state, now, completedEntryIds).length;
        const rate = admitPerMinuteOf(state, command.data.admitPerMinute);
        if (rate !== undefined) free = Math.min(free, rateAllowance(state.recent, rate, now.getTime()));
        if (free <= 0) return [];
        // Sorted here so FIFO never depends on the caller's ordering.
        const next = candidates
          .filter((c) => rankOf(c) > state.servedUpTo)
          .sort((x, y) => rankOf(x) - rankOf(y))
          .slice(0, free);
        if (next.length === 0) return [];
        const activeUntil = new Date(now.getTime() + activeTtlSeconds * 1000).toISOString();
        return [
          {
            type: 'QueueAdmitted',
            data: { concertId, entries: [...next], activeUntil, admittedAt: now.toISOString() },
          },
        ];
      }
      case 'PauseAdmission':
        // Pausing a paused line (a retried request) changes nothing.
        if (state.paused) return [];
        return [{ type: 'AdmissionPaused', data: { concertId: command.data.concertId, pausedAt: now.toISOString() } }];
      case 'ResumeAdmission':
        if (!state.paused) return [];
        return [
          { type: 'AdmissionResumed', data: { concertId: command.data.concertId, resumedAt: now.toISOString() } },
        ];
      case 'SetAdmissionRate': {
        const { concertId, admitPerMinute } = command.data;
        if (admitPerMinute !== null && !validRate(admitPerMinute)) {
          return refuse('VALIDATION_FAILED', `admitPerMinute must be an integer from 1 to ${MAX_ADMIT_PER_MINUTE}`);
        }
        if (state.admitPerMinute === admitPerMinute) return [];
        return [{ type: 'AdmissionRateSet', data: { concertId, admitPerMinute, setAt: now.toISOString() } }];
      }
      default:
        return assertNever(command);
    }
  },
};

const validRate = (rate: number) => Number.isInteger(rate) && rate >= 1 && rate <= MAX_ADMIT_PER_MINUTE;
