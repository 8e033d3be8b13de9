import { ProjectionSink } from '../projection-sink';
import { isBehind, storeVersion, versionCheck } from './store-version';

const v = (layout: number, versions: Record<string, number>) =>
  storeVersion(
    layout,
    Object.entries(versions).map(([name, version]) => ({ name, version })),
  );

describe('store versions', () => {
  it('name the layout and every projection, in name order', () => {
    expect(v(2, { wallets: 1, concerts: 3 })).toBe('2 concerts@3 wallets@1');
  });

  it('are behind a stored version only where no part of them is newer', () => {
    expect(isBehind(v(2, { a: 1, b: 1 }), v(2, { a: 2, b: 1 }))).toBe(true);
    expect(isBehind(v(1, { a: 1 }), v(2, { a: 1 }))).toBe(true);
    expect(isBehind(v(2, { a: 1 }), v(2, { a: 1, b: 1 }))).toBe(true); // the newer one added a projection
    expect(isBehind(v(2, { a: 2, b: 1 }), v(2, { a: 1, b: 1 }))).toBe(false);
    expect(isBehind(v(2, { a: 2, b: 1 }), v(2, { a: 1, b: 2 }))).toBe(false);
    expect(isBehind(v(2, { a: 1 }), v(2, { a: 1 }))).toBe(false);
    // What stores recorded before versions named projections: a layout number alone, older than any of these.
    expect(isBehind(v(2, { a: 1 }), 1)).toBe(false);
    expect(isBehind(v(1, { a: 1 }), 1)).toBe(false);
    expect(isBehind(v(1, { a: 1 }), 'garbage')).toBe(false);
  });

  it('tell a current, fresh, outdated or newer store apart', async () => {
    const sink = (stored: string | number | undefined, checkpoint = 7) =>
      ({
        version: v(2, { a: 2 }),
        storedVersion: async () => stored,
        checkpoint: async () => checkpoint,
      }) as unknown as ProjectionSink;
    expect(await versionCheck(sink(v(2, { a: 2 })))).toBe('current');
    expect(await versionCheck(sink(undefined, 0))).toBe('fresh');
    expect(await versionCheck(sink(undefined))).toBe('outdated');
    expect(await versionCheck(sink(v(2, { a: 1 })))).toBe('outdated');
    expect(await versionCheck(sink(1))).toBe('outdated');
    expect(await versionCheck(sink(v(2, { a: 3 })))).toBe('newer');
  });
});
