import { isDeepStrictEqual } from 'node:util';

export type Difference = {
  readonly key: string;
  /** Absent on that side when undefined. */
  readonly live: unknown;
  readonly rebuilt: unknown;
};

export type Comparison = {
  readonly same: boolean;
  /** Documents on either side. */
  readonly compared: number;
  readonly differing: number;
  /** The first few differing documents, by key. */
  readonly differences: Difference[];
};

/** Plain data with object keys in one order, so two stores that built a document differently compare equal. */
export function canonical(value: unknown): unknown {
  if (value instanceof Map) return canonical(Object.fromEntries(value));
  if (value instanceof Set) return [...value].map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  // Compared as they are, element by element (a queue keeps its entries in typed arrays).
  if (ArrayBuffer.isView(value)) return value;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The documents that differ between two dumps (first `limit` of them, by key). */
export function compareModels(
  live: ReadonlyMap<string, unknown>,
  rebuilt: ReadonlyMap<string, unknown>,
  limit = 10,
): Comparison {
  const keys = [...new Set([...live.keys(), ...rebuilt.keys()])].sort();
  const differences: Difference[] = [];
  let count = 0;
  for (const key of keys) {
    const a = canonical(live.get(key));
    const b = canonical(rebuilt.get(key));
    if (isDeepStrictEqual(a, b)) continue;
    count++;
    if (differences.length < limit) differences.push({ key, live: a, rebuilt: b });
  }
  return { same: count === 0, compared: keys.length, differing: count, differences };
}
