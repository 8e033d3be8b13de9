import type { Answer } from './breakers/read-breaker';
import { Deadline } from './read-deadline';
import { SharedAnswers } from './shared-answers';

describe('SharedAnswers', () => {
  const tracker = { name: 'mongo', position: 10, waitFor: async () => true };
  let reads = 0;
  const read =
    (value: unknown, staleMs?: number): (() => Promise<Answer<unknown>>) =>
    async () => {
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { value, staleMs };
    };

  beforeEach(() => {
    reads = 0;
    tracker.position = 10;
  });

  it('serves every concurrent and following request from one store read while nothing newer was applied', async () => {
    const shared = new SharedAnswers(tracker, 1_000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => shared.get('seats:s1', read(['A1']))));
    expect(answers.every((a) => (a.value as string[])[0] === 'A1')).toBe(true);
    await shared.get('seats:s1', read(['changed']));
    expect(reads).toBe(1);
  });

  it('reads again once the store has applied a newer position', async () => {
    const shared = new SharedAnswers(tracker, 1_000);
    await shared.get('seats:s1', read('old'));
    tracker.position = 11;
    await expect(shared.get('seats:s1', read('new'))).resolves.toEqual({ value: 'new' });
    expect(reads).toBe(2);
  });

  it('reads again after the age limit, since statuses depend on the time', async () => {
    const shared = new SharedAnswers(tracker, 20);
    await shared.get('k', read('old'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await expect(shared.get('k', read('new'))).resolves.toEqual({ value: 'new' });
  });

  it('never keeps a stale fallback or a miss', async () => {
    const shared = new SharedAnswers(tracker, 1_000);
    await shared.get('a', read('cached', 5_000));
    await shared.get('b', read(undefined));
    await expect(shared.get('a', read('fresh'))).resolves.toEqual({ value: 'fresh' });
    await expect(shared.get('b', read('found'))).resolves.toEqual({ value: 'found' });
    expect(reads).toBe(4);
  });

  it('keeps answers per key', async () => {
    const shared = new SharedAnswers(tracker, 1_000);
    await shared.get('seats:s1', read('one'));
    await expect(shared.get('seats:s2', read('two'))).resolves.toEqual({ value: 'two' });
  });

  it('keeps at most maxEntries answers, dropping the least recently used', async () => {
    const shared = new SharedAnswers(tracker, 1_000, 2);
    await shared.get('a', read('a'));
    await shared.get('b', read('b'));
    await shared.get('a', read('a again')); // a is used again: b is now the oldest
    await shared.get('c', read('c'));
    expect(reads).toBe(3);
    await expect(shared.get('a', read('a read'))).resolves.toEqual({ value: 'a' });
    await expect(shared.get('b', read('b read'))).resolves.toEqual({ value: 'b read' });
    expect(reads).toBe(4);
  });

  it('lets a request joining a read in flight wait only until its own deadline', async () => {
    const shared = new SharedAnswers(tracker, 1_000);
    let release: (answer: Answer<unknown>) => void = () => undefined;
    // The read in flight answers only when the test says so: the joined request cannot be waiting for it.
    const first = shared.get('k', () => new Promise<Answer<unknown>>((resolve) => (release = resolve)));
    const joined = await shared.get('k', read('never called'), {
      deadline: Deadline.after(Date.now(), 20),
      late: () => ({ value: 'fallback', staleMs: 1_000 }),
    });
    expect(joined).toEqual({ value: 'fallback', staleMs: 1_000 });
    release({ value: 'slow' });
    await expect(first).resolves.toEqual({ value: 'slow' });
    expect(reads).toBe(0);
  });
});
