/**
 * Pearson's test of independence for pairs (a, b) of 0-based indexes of
 * `n` items, each cut into `bins` equal bins: is where an item stands in b
 * unrelated to where it stood in a? Used to show that a shuffle does not keep
 * any trace of arrival order.
 */
export function independenceChiSquare(pairs: readonly (readonly [a: number, b: number])[], n: number, bins: number) {
  const table = Array.from({ length: bins }, () => new Array<number>(bins).fill(0));
  for (const [a, b] of pairs) table[Math.floor((a * bins) / n)][Math.floor((b * bins) / n)] += 1;
  const expected = pairs.length / (bins * bins);
  const statistic = table.flat().reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
  const degreesOfFreedom = (bins - 1) * (bins - 1);
  return { statistic, degreesOfFreedom, critical: chiSquareCritical(degreesOfFreedom, Z_999) };
}

/** The standard normal quantile at 0.999: a fair shuffle fails one run in a thousand. */
export const Z_999 = 3.0902;

/** The chi-square quantile for `k` degrees of freedom by the Wilson-Hilferty approximation (good to 1 % for k ≥ 10). */
export function chiSquareCritical(k: number, z: number): number {
  const c = 2 / (9 * k);
  return k * (1 - c + z * Math.sqrt(c)) ** 3;
}
