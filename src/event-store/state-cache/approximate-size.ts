/**
 * Roughly how many bytes of heap a folded stream state takes, so the cache
 * can keep to a memory budget. V8 gives no per-object size, so this counts
 * what dominates: strings (two bytes a character at worst), numbers, and a
 * few words of overhead per object, array, Map and Set entry. It needs to be
 * right within a small factor, not exact; the budget is the contract.
 */
const OBJECT_BYTES = 56;
const SLOT_BYTES = 8;
const STRING_BYTES = 16;

export function approximateBytes(value: unknown): number {
  const pending: unknown[] = [value];
  let bytes = 0;
  while (pending.length > 0) {
    const next = pending.pop();
    switch (typeof next) {
      case 'string':
        bytes += STRING_BYTES + next.length * 2;
        break;
      case 'object':
        if (next === null) {
          bytes += SLOT_BYTES;
        } else if (next instanceof Date) {
          bytes += OBJECT_BYTES;
        } else if (next instanceof Map) {
          bytes += OBJECT_BYTES + next.size * 3 * SLOT_BYTES;
          for (const [k, v] of next) pending.push(k, v);
        } else if (next instanceof Set) {
          bytes += OBJECT_BYTES + next.size * 2 * SLOT_BYTES;
          for (const v of next) pending.push(v);
        } else if (Array.isArray(next)) {
          bytes += OBJECT_BYTES + next.length * SLOT_BYTES;
          for (const v of next) pending.push(v);
        } else {
          const values = Object.values(next);
          bytes += OBJECT_BYTES + values.length * 2 * SLOT_BYTES;
          for (const v of values) pending.push(v);
        }
        break;
      default:
        bytes += SLOT_BYTES;
    }
  }
  return bytes;
}
