import { chiSquareCritical, independenceChiSquare, Z_999 } from '../../test/support/chi-square';
import { PRE_QUEUE_SEED_MODULUS, isPreQueueSeed, preQueueOrder, preQueueRanks } from './pre-queue-order';

const isPermutation = (order: Uint32Array) => [...order].sort((a, b) => a - b).every((joinIndex, i) => joinIndex === i);

describe('the pre-queue order', () => {
  it.each([0, 1, 2, 7, 1000])('is a permutation of %i entries', (count) => {
    const order = preQueueOrder(count, 987_654);
    expect(order).toHaveLength(count);
    expect(isPermutation(order)).toBe(true);
  });

  it('is the same for the same seed (replays and every instance agree) and differs for another', () => {
    expect([...preQueueOrder(500, 42)]).toEqual([...preQueueOrder(500, 42)]);
    expect([...preQueueOrder(500, 42)]).not.toEqual([...preQueueOrder(500, 43)]);
  });

  it('keeps no trace of join order: 1,000 entries pass a chi-square test of independence', () => {
    for (const seed of [1, 77, 123_456_789, PRE_QUEUE_SEED_MODULUS - 1]) {
      const order = preQueueOrder(1000, seed);
      const pairs = [...order].map((joinIndex, rank) => [joinIndex, rank] as const);
      const { statistic, critical } = independenceChiSquare(pairs, 1000, 10);
      expect(statistic).toBeLessThan(critical);
    }
  });

  it('gives each of the 24 orders of 4 entries about as often over many seeds', () => {
    const counts = new Map<string, number>();
    const runs = 24_000;
    for (let seed = 1; seed <= runs; seed += 1) {
      const key = preQueueOrder(4, seed * 7_919).join();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const expected = runs / 24;
    const statistic = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(statistic).toBeLessThan(chiSquareCritical(23, Z_999));
  });

  it('inverts to each join index its place in admission order', () => {
    const order = preQueueOrder(50, 9);
    const ranks = preQueueRanks(order);
    for (let rank = 0; rank < 50; rank += 1) expect(ranks[order[rank]]).toBe(rank);
  });

  it('takes only seeds from 1 to 2^31 - 2', () => {
    expect([1, PRE_QUEUE_SEED_MODULUS - 1].every(isPreQueueSeed)).toBe(true);
    expect([0, -1, 1.5, PRE_QUEUE_SEED_MODULUS, '5', undefined].some(isPreQueueSeed)).toBe(false);
  });
});
