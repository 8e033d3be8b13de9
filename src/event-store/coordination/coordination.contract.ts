import { randomUUID } from 'node:crypto';
import type { Coordination } from './coordination.port';

export type OpenedCoordination = {
  /** Two instances on the same state (one twice where there is only one process, as with PGlite). */
  readonly instances: readonly [Coordination, Coordination];
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unique = (what: string) => `${what}-${randomUUID()}`;

/**
 * The behaviour every adapter of the coordination port must show; run once
 * per adapter. Racing calls go through both instances, as several app
 * instances would send them.
 */
export function coordinationContract(open: () => Promise<OpenedCoordination>): void {
  let opened: OpenedCoordination;
  let a: Coordination;
  let b: Coordination;
  const both = () => [a, b];
  beforeAll(async () => {
    opened = await open();
    [a, b] = opened.instances;
  });
  afterAll(() => opened.close());

  describe('leases', () => {
    it('keeps a lease for its holder, who renews it, and out of reach of others until it expires', async () => {
      const name = unique('lease');
      expect(await a.leases.claim(name, 'me', 1_000)).toBe(true);
      expect(await b.leases.claim(name, 'them', 1_000)).toBe(false);
      await sleep(200);
      expect(await b.leases.claim(name, 'me', 1_000)).toBe(true);
      await sleep(200);
      expect(await a.leases.claim(name, 'them', 1_000)).toBe(false);
      await sleep(1_100);
      expect(await a.leases.claim(name, 'them', 1_000)).toBe(true);
      expect(await b.leases.claim(name, 'me', 1_000)).toBe(false);
    });

    it('lets another holder in at once after a release, and ignores a release by someone else', async () => {
      const name = unique('lease');
      expect(await a.leases.claim(name, 'me', 10_000)).toBe(true);
      await b.leases.release(name, 'them');
      expect(await b.leases.claim(name, 'them', 10_000)).toBe(false);
      await a.leases.release(name, 'me');
      expect(await b.leases.claim(name, 'them', 10_000)).toBe(true);
    });

    it('gives a lease to exactly one of many racing holders', async () => {
      const name = unique('lease');
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) => both()[i % 2].leases.claim(name, `holder-${i}`, 10_000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('checkpoints', () => {
    it('loads 0 for a name never saved, then the highest position saved, by name', async () => {
      const name = unique('mark');
      const other = unique('mark');
      expect(await a.checkpoints.load(name)).toBe(0);
      await a.checkpoints.save(name, 42);
      await b.checkpoints.save(other, 7);
      expect(await b.checkpoints.load(name)).toBe(42);
      await b.checkpoints.save(name, 41);
      expect(await a.checkpoints.load(name)).toBe(42);
      expect(await a.checkpoints.load(other)).toBe(7);
    });

    it('never moves a mark back when writers race', async () => {
      const name = unique('mark');
      await Promise.all(Array.from({ length: 20 }, (_, i) => both()[i % 2].checkpoints.save(name, 20 - i)));
      expect(await a.checkpoints.load(name)).toBe(20);
    });
  });

  describe('read-model generations', () => {
    it('starts every target at generation 0, with no rebuild', async () => {
      const [x, y] = [unique('target'), unique('target')];
      expect(await a.generations.live([x, y])).toEqual(
        new Map([
          [x, 0],
          [y, 0],
        ]),
      );
      expect(await a.generations.rebuilding(x)).toBeUndefined();
    });

    it('rebuilds into the next generation, resumes a rebuild that did not finish, and switches', async () => {
      const target = unique('target');
      expect(await a.generations.beginRebuild(target)).toEqual({ generation: 1, live: 0, resumed: false });
      expect(await b.generations.rebuilding(target)).toBe(1);
      expect(await b.generations.beginRebuild(target)).toEqual({ generation: 1, live: 0, resumed: true });
      expect(await b.generations.switchTo(target, 1)).toBe(0);
      expect((await a.generations.live([target])).get(target)).toBe(1);
      expect(await a.generations.rebuilding(target)).toBeUndefined();
      expect(await a.generations.beginRebuild(target)).toEqual({ generation: 2, live: 1, resumed: false });
    });

    it('gives racing rebuilds of one target the same generation', async () => {
      const target = unique('target');
      const begun = await Promise.all(
        Array.from({ length: 6 }, (_, i) => both()[i % 2].generations.beginRebuild(target)),
      );
      expect(new Set(begun.map((r) => r.generation))).toEqual(new Set([1]));
      expect(begun.filter((r) => !r.resumed)).toHaveLength(1);
    });
  });

  describe('idempotency replies', () => {
    it('claims a key once; a repeat is in progress until completed, then replays', async () => {
      const key = unique('key');
      expect(await a.idempotency.begin('u1:POST /x', key, 'h1')).toBe('new');
      expect(await b.idempotency.begin('u1:POST /x', key, 'h1')).toBe('in-progress');
      await a.idempotency.complete('u1:POST /x', key, { status: 201, body: '{"b":1,"a":2}', headers: { x: '7' } });
      expect(await b.idempotency.begin('u1:POST /x', key, 'h1')).toEqual({
        replay: { status: 201, body: '{"b":1,"a":2}', headers: { x: '7' } },
      });
    });

    it('reports another request under the same key as a mismatch, and keeps scopes apart', async () => {
      const key = unique('key');
      await a.idempotency.begin('s', key, 'h1');
      expect(await b.idempotency.begin('s', key, 'h2')).toBe('mismatch');
      await a.idempotency.complete('s', key, { status: 200, body: null, headers: {} });
      expect(await b.idempotency.begin('s', key, 'h2')).toBe('mismatch');
      expect(await b.idempotency.begin('other scope', key, 'h2')).toBe('new');
    });

    it('lets a retry run again after abandon, and keeps the first of two completions', async () => {
      const key = unique('key');
      await a.idempotency.begin('s', key, 'h');
      await a.idempotency.abandon('s', key);
      expect(await b.idempotency.begin('s', key, 'h')).toBe('new');
      await b.idempotency.complete('s', key, { status: 201, body: '"first"', headers: {} });
      await a.idempotency.complete('s', key, { status: 201, body: '"second"', headers: {} });
      await a.idempotency.abandon('s', key);
      expect(await a.idempotency.begin('s', key, 'h')).toEqual({
        replay: { status: 201, body: '"first"', headers: {} },
      });
    });

    it('lets exactly one of many racing requests claim a key', async () => {
      const key = unique('key');
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => both()[i % 2].idempotency.begin('s', key, 'h')),
      );
      expect(outcomes.filter((o) => o === 'new')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'in-progress')).toHaveLength(9);
    });
  });

  it("gives the log's identity, the same to every instance and every time", async () => {
    const ids = await Promise.all([a.logIdentity(), b.logIdentity(), a.logIdentity(), b.logIdentity()]);
    expect(ids[0]).toEqual(expect.any(String));
    expect(new Set(ids).size).toBe(1);
  });
}
