import type { RecordedEvent } from '../../../event-store/event-store.port';

/**
 * The streams whose events can change what a concert's queue status answers:
 * its entries (join, completion), its admission ledger (admissions, and
 * whatever else the admission leader writes there: an opening, a pause) and
 * the concert itself (its on-sale settings). Matched by stream category, not
 * by a list of event types, so an event type added to one of them later
 * pushes new statuses without a change here.
 */
const CONCERT_OF_STREAM: Record<string, (id: string) => string> = {
  QueueEntry: (id) => id.slice(0, id.lastIndexOf('.')),
  QueueAdmission: (id) => id,
  Concert: (id) => id,
};

/** The concert whose queue `event` moved, if any. */
export function concertMovedBy(event: Pick<RecordedEvent, 'streamId'>): string | undefined {
  const dash = event.streamId.indexOf('-');
  if (dash < 0) return undefined;
  const concertOf = CONCERT_OF_STREAM[event.streamId.slice(0, dash)];
  return concertOf?.(event.streamId.slice(dash + 1));
}

/** The entries a QueueAdmitted event admitted and until when (epoch ms): their status turns EXPIRED then, with no event. */
export function admittedBy(
  event: Pick<RecordedEvent, 'type' | 'data'>,
): { entryIds: string[]; until: number } | undefined {
  if (event.type !== 'QueueAdmitted') return undefined;
  const { entries, activeUntil } = event.data as { entries?: { entryId?: unknown }[]; activeUntil?: unknown };
  if (!Array.isArray(entries) || typeof activeUntil !== 'string') return undefined;
  const entryIds = entries.map((e) => e?.entryId).filter((id): id is string => typeof id === 'string');
  return { entryIds, until: Date.parse(activeUntil) };
}

/** What a WaitlistOffered event offers, to whom, as its stream announces it. */
export function waitlistOfferIn(event: Pick<RecordedEvent, 'type' | 'data'>):
  | {
      concertId: string;
      userId: string;
      scheduleId: string;
      reservationId: string;
      seatIds: string[];
      expiresAt: string;
    }
  | undefined {
  if (event.type !== 'WaitlistOffered') return undefined;
  const { concertId, userId, scheduleId, reservationId, seatIds, expiresAt } = (event.data ?? {}) as Record<
    string,
    unknown
  >;
  const strings = [concertId, userId, scheduleId, reservationId, expiresAt];
  if (!strings.every((s) => typeof s === 'string') || !Array.isArray(seatIds)) return undefined;
  return {
    concertId: concertId as string,
    userId: userId as string,
    scheduleId: scheduleId as string,
    reservationId: reservationId as string,
    seatIds: seatIds.filter((s): s is string => typeof s === 'string'),
    expiresAt: expiresAt as string,
  };
}
