import { Inject, Injectable } from '@nestjs/common';
import { CACHED_EVENT_STORE, CachedEventStore } from '../../event-store/state-cache/cached-event-store';
import type { QueueTokenClaims } from '../../http/auth/token.service';
import { CLOCK, Clock } from '../../shared/clock';
import { DomainError } from '../../shared/domain-error';
import { AdmissionState, admissionDecider, admissionStream } from './admission.decider';
import { QueueEntryState, queueEntryDecider, queueEntryStream } from './queue-entry.decider';

export type { QueueTokenClaims };
export type QueueAccessStatus = 'WAITING' | 'ACTIVE' | 'EXPIRED' | 'DONE';

// Built once per ledger state (a new state per admission), so a check is a map lookup, not a scan.
const admittedIndexes = new WeakMap<AdmissionState, ReadonlyMap<string, number>>();

function admittedUntil(ledger: AdmissionState, entryId: string): number | undefined {
  let index = admittedIndexes.get(ledger);
  if (!index) {
    index = new Map(ledger.admitted.map((a) => [a.entryId, a.activeUntil]));
    admittedIndexes.set(ledger, index);
  }
  return index.get(entryId);
}

/**
 * "Is this queue token ACTIVE for this concert?", answered from two streams:
 * the user's queue entry (joined, completed) and the concert's admission
 * ledger (who was admitted, until when). Both are usually cached; only an
 * answer that refuses is checked again on the streams themselves, since the
 * admission leader may be another instance that has just admitted this entry.
 */
@Injectable()
export class QueueAccess {
  constructor(
    @Inject(CACHED_EVENT_STORE) private readonly store: CachedEventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async requireActive(token: QueueTokenClaims, concertId: string): Promise<void> {
    if (token.concertId !== concertId) {
      throw new DomainError('QUEUE_NOT_ACTIVE', 'this queue token is for another concert');
    }
    const now = this.clock.now().getTime();
    const status = (await this.statusOf(token, now, 'cached')) ?? (await this.statusOf(token, now, 'fresh'));
    if (status !== 'ACTIVE') {
      throw new DomainError('QUEUE_NOT_ACTIVE', `queue token is ${status}, not ACTIVE`, { status });
    }
  }

  /** The token's status; with `cached`, undefined unless the cache can say ACTIVE. */
  private async statusOf(token: QueueTokenClaims, now: number, read: 'cached' | 'fresh') {
    const entryStream = queueEntryStream(token.concertId, token.userId);
    const ledgerStream = admissionStream(token.concertId);
    const [entry, ledger] =
      read === 'cached'
        ? [this.store.cached<QueueEntryState>(entryStream), this.store.cached<AdmissionState>(ledgerStream)]
        : await Promise.all([
            this.store.load<QueueEntryState>(entryStream, queueEntryDecider),
            this.store.load<AdmissionState>(ledgerStream, admissionDecider),
          ]);
    if (!entry || !ledger) return undefined;
    const status = statusOf(entry.state, ledger.state, token.entryId, now);
    if (status === 'UNKNOWN') {
      if (read === 'cached') return undefined;
      throw new DomainError('INVALID_QUEUE_TOKEN', 'queue token is not known');
    }
    return read === 'cached' && status !== 'ACTIVE' ? undefined : status;
  }
}

/** Admission is FIFO and recorded per entry, so the status follows from the two states and `now`. */
export function statusOf(
  entry: QueueEntryState,
  ledger: AdmissionState,
  entryId: string,
  now: number,
): QueueAccessStatus | 'UNKNOWN' {
  const current = entry.current;
  if (!current) return 'UNKNOWN';
  // A later join replaced this entry, which only happens once it had ended.
  if (current.entryId !== entryId) return 'EXPIRED';
  if (current.completed) return 'DONE';
  const until = admittedUntil(ledger, entryId);
  if (until === undefined) return 'WAITING';
  return until > now ? 'ACTIVE' : 'EXPIRED';
}

/** The user's entries that were admitted and ran out of time: a join may replace them. */
export function expiredEntryIds(entry: QueueEntryState, ledger: AdmissionState, now: number): string[] {
  const current = entry.current;
  return current && statusOf(entry, ledger, current.entryId, now) === 'EXPIRED' ? [current.entryId] : [];
}
