import { MINUTE, SECOND, T0, at, decided, fold, given, iso, mulberry32 } from '../../shared/given-when-then';
import { AdmitNext, AdmittedEntry, QueueAdmitted, activeEntries, admissionDecider } from './admission.decider';

const TTL_SECONDS = 600;
const entry = (n: number): AdmittedEntry => ({ entryId: `e${n}`, userId: `u${n}`, joinedPosition: n * 10 });
const candidates = (...ns: number[]) => ns.map(entry);

const admitted = (entries: AdmittedEntry[], activeUntil: number): QueueAdmitted => ({
  type: 'QueueAdmitted',
  data: { concertId: 'c1', entries, activeUntil: iso(activeUntil) },
});

const admitNext = (
  now: number,
  waiting: AdmittedEntry[],
  { capacity = 2, completed = [] as string[] }: { capacity?: number; completed?: string[] } = {},
): AdmitNext => ({
  type: 'AdmitNext',
  data: {
    concertId: 'c1',
    candidates: waiting,
    completedEntryIds: new Set(completed),
    capacity,
    activeTtlSeconds: TTL_SECONDS,
  },
  metadata: at(now),
});

const activeUntilAt = (now: number) => now + TTL_SECONDS * SECOND;

describe('admission decider', () => {
  it('admits the first candidates in join order, up to capacity', () => {
    expect(given(admissionDecider).when(admitNext(T0, candidates(1, 2, 3), { capacity: 2 }))).toEqual(
      decided(admitted(candidates(1, 2), activeUntilAt(T0))),
    );
  });

  it('admits everyone waiting when there are fewer candidates than free slots', () => {
    expect(given(admissionDecider).when(admitNext(T0, candidates(1), { capacity: 5 }))).toEqual(
      decided(admitted(candidates(1), activeUntilAt(T0))),
    );
  });

  it('admits nothing when there is no candidate', () => {
    expect(given(admissionDecider).when(admitNext(T0, []))).toEqual(decided());
  });

  it('admits nothing while every slot is taken by an active entry', () => {
    const history = [admitted(candidates(1, 2), activeUntilAt(T0))];
    expect(given(admissionDecider, history).when(admitNext(T0 + MINUTE, candidates(3)))).toEqual(decided());
  });

  it('fills only the free slots: never more than capacity active at once', () => {
    const history = [admitted(candidates(1), activeUntilAt(T0))];
    expect(given(admissionDecider, history).when(admitNext(T0 + MINUTE, candidates(2, 3, 4), { capacity: 3 }))).toEqual(
      decided(admitted(candidates(2, 3), activeUntilAt(T0 + MINUTE))),
    );
  });

  it('skips candidates at or before servedUpTo (already admitted), keeping FIFO order', () => {
    const history = [admitted(candidates(1, 2), T0 - 1)];
    expect(given(admissionDecider, history).when(admitNext(T0, candidates(2, 3, 4)))).toEqual(
      decided(admitted(candidates(3, 4), activeUntilAt(T0))),
    );
  });

  it('frees the slot of a completed entry', () => {
    const history = [admitted(candidates(1, 2), activeUntilAt(T0))];
    expect(
      given(admissionDecider, history).when(admitNext(T0 + MINUTE, candidates(3, 4), { completed: ['e1'] })),
    ).toEqual(decided(admitted(candidates(3), activeUntilAt(T0 + MINUTE))));
  });

  it('frees the slot of an entry whose activeUntil has passed, to the millisecond', () => {
    const until = activeUntilAt(T0);
    const history = [admitted(candidates(1, 2), until)];
    expect(given(admissionDecider, history).when(admitNext(until - 1, candidates(3)))).toEqual(decided());
    expect(given(admissionDecider, history).when(admitNext(until, candidates(3)))).toEqual(
      decided(admitted(candidates(3), activeUntilAt(until))),
    );
  });

  it('admits nothing when capacity is zero', () => {
    expect(given(admissionDecider).when(admitNext(T0, candidates(1), { capacity: 0 }))).toEqual(decided());
  });

  it('evolve moves servedUpTo to the highest admitted join position and records each slot', () => {
    const state = fold(admissionDecider, [admitted(candidates(1, 2), T0 + 5), admitted(candidates(3), T0 + 9)]);
    expect(state).toEqual({
      servedUpTo: 30,
      admitted: [
        { entryId: 'e1', activeUntil: T0 + 5 },
        { entryId: 'e2', activeUntil: T0 + 5 },
        { entryId: 'e3', activeUntil: T0 + 9 },
      ],
    });
  });

  it('activeEntries counts admitted, not expired, not completed entries', () => {
    const state = fold(admissionDecider, [admitted(candidates(1, 2), T0 + 10), admitted(candidates(3), T0 + 20)]);
    expect(activeEntries(state, new Date(T0 + 10), new Set(['e3']))).toEqual([]);
    expect(activeEntries(state, new Date(T0 + 9), new Set(['e2'])).map((e) => e.entryId)).toEqual(['e1', 'e3']);
  });
});

describe('admission decider over a random rush', () => {
  it.each([7, 99, 31337])('seed %i: never more than capacity active, admitted strictly in join order', (seed) => {
    const random = mulberry32(seed);
    const capacity = 3;
    const waiting: AdmittedEntry[] = [];
    const admittedOrder: number[] = [];
    const completed = new Set<string>();
    const overCapacity: string[] = [];
    let state = admissionDecider.initialState();
    let joined = 0;
    let now = T0;

    for (let step = 0; step < 2_000; step++) {
      now += Math.floor(random() * 30 * SECOND);
      if (random() < 0.5) waiting.push(entry(++joined));
      // Some admitted users pay (their slot frees early); the others time out after the TTL.
      for (const { entryId } of activeEntries(state, new Date(now), completed))
        if (random() < 0.05) completed.add(entryId);

      for (const event of admissionDecider.decide(
        admitNext(now, waiting, { capacity, completed: [...completed] }),
        state,
      )) {
        admittedOrder.push(...event.data.entries.map((e) => e.joinedPosition));
        state = admissionDecider.evolve(state, event);
      }
      waiting.splice(0, waiting.length, ...waiting.filter((c) => c.joinedPosition > state.servedUpTo));
      const active = activeEntries(state, new Date(now), completed).length;
      if (active > capacity) overCapacity.push(`#${step}: ${active} active`);
    }

    expect(overCapacity).toEqual([]);
    // FIFO with no one skipped or admitted twice: exactly the first joiners, in join order.
    expect(admittedOrder).toEqual(admittedOrder.map((_, i) => entry(i + 1).joinedPosition));
    expect(admittedOrder.length).toBeGreaterThan(100); // the rush really moved
  });
});
