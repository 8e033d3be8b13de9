/**
 * The order a concert's pre-queue is admitted in, fixed at the opening by the
 * seed the admission leader wrote in QueueOpened: a Fisher-Yates shuffle of
 * the entries in join order, driven by MINSTD (Park-Miller, x * 48271 mod
 * 2^31 - 1). Every product stays below 2^53, so the same plain double
 * arithmetic gives the same order here and in the Redis sink's Lua script
 * (queue-scripts.ts), on every instance and in every replay.
 */
export const PRE_QUEUE_SEED_MODULUS = 2_147_483_647;

/** A valid seed: an integer from 1 to 2^31 - 2. */
export const isPreQueueSeed = (seed: unknown): seed is number =>
  Number.isInteger(seed) && (seed as number) >= 1 && (seed as number) < PRE_QUEUE_SEED_MODULUS;

/** `order[rank]` is the join index (0-based) of the entry admitted `rank`-th, for `count` pre-queue entries. */
export function preQueueOrder(count: number, seed: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) order[i] = i;
  let x = seed;
  for (let i = count - 1; i > 0; i -= 1) {
    x = (x * 48_271) % PRE_QUEUE_SEED_MODULUS;
    const j = Math.floor(((x - 1) / (PRE_QUEUE_SEED_MODULUS - 1)) * (i + 1));
    const held = order[i];
    order[i] = order[j];
    order[j] = held;
  }
  return order;
}

/** The inverse: `rankOf[joinIndex]` is the 0-based place in admission order of the entry that joined `joinIndex`-th. */
export function preQueueRanks(order: Uint32Array): Uint32Array {
  const ranks = new Uint32Array(order.length);
  for (let rank = 0; rank < order.length; rank += 1) ranks[order[rank]] = rank;
  return ranks;
}
