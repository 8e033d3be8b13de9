import { DocumentImage, LOADED_COLLECTIONS } from './bulk-load';
import {
  StoredCollections,
  batchesWithRedeliveries,
  mixedLog,
  projectedView,
  storedView,
} from './same-as-projections.contract';
import { DOCUMENT_PROJECTIONS } from './whole-documents';

/**
 * MongoDB's documents, as a bulk load builds them (the guarded writes applied
 * the way the server applies them, see DocumentImage), against the
 * projections' own. The same comparison runs against the server in
 * same-as-projections.int.spec.ts.
 */
describe('MongoDB documents are the projections’ documents (bulk load image)', () => {
  it.each([1, 2, 3])('after a mixed log delivered in pieces and again (seed %i)', async (seed) => {
    const events = mixedLog(seed, 2_500);
    const image = new DocumentImage();
    let skipped = 0;
    for (const batch of batchesWithRedeliveries(events, seed)) {
      skipped += await image.applyBatch(DOCUMENT_PROJECTIONS, batch);
    }
    const stored = Object.fromEntries(
      LOADED_COLLECTIONS.map((name) => [name, [...image.collection(name).values()]]),
    ) as unknown as StoredCollections;
    const expected = projectedView(events);
    expect(storedView(stored)).toEqual(expected);
    // Worth comparing on: seats in every state, every whole-document collection filled, poison met.
    const seats = expected.schedules.flatMap(([, s]) => s.seats.map(([, seat]) => seat as Record<string, unknown>));
    expect(seats.some((s) => s.soldTo) && seats.some((s) => s.holder && !s.soldTo)).toBe(true);
    expect(seats.some((s) => !s.holder)).toBe(true);
    expect(expected.concerts.length * expected.reservations.length * expected.wallets.length).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0);
  });
});
