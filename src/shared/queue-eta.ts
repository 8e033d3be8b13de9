/** How a waiting user's ETA is estimated, on the join answer and on every status read alike. */
export type EtaSettings = { readonly queueActiveCapacity: number; readonly queueActiveTtlSeconds: number };

/**
 * Observed admissions per second when there are any, else each slot turning
 * over once per active TTL; never sooner than the inflow rate allows (the
 * leader admits at most `admitPerMinute` a minute). While admission is paused
 * there is no estimate: the answer's `etaSeconds` is null.
 */
export function etaSeconds(
  position: number,
  admittedLastMinute: number,
  settings: EtaSettings,
  admitPerMinute?: number,
): number {
  const perSecond =
    admittedLastMinute > 0 ? admittedLastMinute / 60 : settings.queueActiveCapacity / settings.queueActiveTtlSeconds;
  const estimate = Math.ceil(position / perSecond);
  return admitPerMinute ? Math.max(estimate, Math.ceil((position * 60) / admitPerMinute)) : estimate;
}

/** Whole seconds from `now` until `at` (epoch ms), never negative: a pre-queue place's ETA is the time to the opening. */
export const secondsUntil = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000));
