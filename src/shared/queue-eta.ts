/** How a waiting user's ETA is estimated, on the join answer and on every status read alike. */
export type EtaSettings = { readonly queueActiveCapacity: number; readonly queueActiveTtlSeconds: number };

/** Observed admissions per second when there are any, else each slot turning over once per active TTL. */
export function etaSeconds(position: number, admittedLastMinute: number, settings: EtaSettings): number {
  const perSecond =
    admittedLastMinute > 0 ? admittedLastMinute / 60 : settings.queueActiveCapacity / settings.queueActiveTtlSeconds;
  return Math.ceil(position / perSecond);
}
