/** One admission of the ledger, for the inflow limit: when, and how many entries. */
export type RecentAdmission = { readonly at: number; readonly count: number };

/** How far back the ledger remembers admissions for the inflow limit. */
export const RATE_WINDOW_MS = 60_000;

/**
 * How many entries may be admitted at `now` under `admitPerMinute`: a token
 * bucket (GCRA, its virtual-scheduling form) replayed over the ledger's recent
 * admissions. The bucket holds one second of inflow at most, so the rate is
 * spread over the minute instead of being spent in one burst at its start.
 */
export function rateAllowance(recent: readonly RecentAdmission[], admitPerMinute: number, now: number): number {
  if (!(admitPerMinute > 0)) return 0;
  const interval = RATE_WINDOW_MS / admitPerMinute;
  const burst = Math.max(1, Math.floor(admitPerMinute / 60));
  const tolerance = (burst - 1) * interval;
  let due = -Infinity;
  for (const admission of recent) due = Math.max(due, admission.at) + admission.count * interval;
  const start = Math.max(due, now);
  // A millisecond's slack keeps a non-integral interval from losing an admission to rounding.
  if (start > now + tolerance + 1e-6) return 0;
  return Math.floor((now + tolerance - start) / interval + 1e-9) + 1;
}

/** The admissions still inside the window that ends at `at`, with one more at `at`. */
export function rememberAdmission(
  recent: readonly RecentAdmission[],
  at: number,
  count: number,
): readonly RecentAdmission[] {
  return [...recent.filter((a) => a.at > at - RATE_WINDOW_MS), { at, count }];
}
