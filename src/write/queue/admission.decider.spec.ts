import { MINUTE, SECOND, T0, at, decided, fold, given, iso, mulberry32, refused } from '../../shared/given-when-then';
import {
  AdmissionEvent,
  AdmitNext,
  AdmittedEntry,
  QueueAdmitted,
  activeEntries,
  admissionDecider,
} from './admission.decider';

const TTL_SECONDS = 600;
const SEED = 12_345;
const entry = (n: number): AdmittedEntry => ({ entryId: `e${n}`, userId: `u${n}`, joinedPosition: n * 10 });
const candidates = (...ns: number[]) => ns.map(entry);

const admitted = (entries: AdmittedEntry[], activeUntil: number): QueueAdmitted => ({
  type: 'QueueAdmitted',
  data: {
    concertId: 'c1',
    entries,
    activeUntil: iso(activeUntil),
    admittedAt: iso(activeUntil - TTL_SECONDS * SECOND),
  },
});

const admitNext = (
  now: number,
  waiting: AdmittedEntry[],
  {
    capacity = 2,
    completed = [] as string[],
    admitPerMinute,
    onSaleAt,
    seed = SEED,
  }: { capacity?: number; completed?: string[]; admitPerMinute?: number; onSaleAt?: number; seed?: number } = {},
): AdmitNext => ({
  type: 'AdmitNext',
  data: {
    concertId: 'c1',
    candidates: waiting,
    completedEntryIds: new Set(completed),
    capacity,
    activeTtlSeconds: TTL_SECONDS,
    seed,
    ...(admitPerMinute !== undefined ? { admitPerMinute } : {}),
    ...(onSaleAt !== undefined ? { onSaleAt: iso(onSaleAt) } : {}),
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
    expect(state).toMatchObject({
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
        if (event.type === 'QueueAdmitted') admittedOrder.push(...event.data.entries.map((e) => e.joinedPosition));
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

const paused = (at: number): AdmissionEvent => ({
  type: 'AdmissionPaused',
  data: { concertId: 'c1', pausedAt: iso(at) },
});
const resumed = (at: number): AdmissionEvent => ({
  type: 'AdmissionResumed',
  data: { concertId: 'c1', resumedAt: iso(at) },
});
const rateSet = (admitPerMinute: number | null, at: number): AdmissionEvent => ({
  type: 'AdmissionRateSet',
  data: { concertId: 'c1', admitPerMinute, setAt: iso(at) },
});

describe('admission controls', () => {
  it('pauses: a paused line admits nothing, even with free slots', () => {
    expect(
      given(admissionDecider).when({ type: 'PauseAdmission', data: { concertId: 'c1' }, metadata: at(T0) }),
    ).toEqual(decided(paused(T0)));
    expect(
      given(admissionDecider, [paused(T0)]).when(admitNext(T0 + MINUTE, candidates(1, 2), { capacity: 5 })),
    ).toEqual(decided());
  });

  it('resumes: the line admits again, from where it stopped', () => {
    const history = [admitted(candidates(1), activeUntilAt(T0)), paused(T0 + 1), resumed(T0 + MINUTE)];
    expect(given(admissionDecider, history).when(admitNext(T0 + MINUTE, candidates(1, 2, 3), { capacity: 5 }))).toEqual(
      decided(admitted(candidates(2, 3), activeUntilAt(T0 + MINUTE))),
    );
  });

  it('pausing a paused line and resuming a running one change nothing (retried requests)', () => {
    const pause = { type: 'PauseAdmission', data: { concertId: 'c1' }, metadata: at(T0) } as const;
    const resume = { type: 'ResumeAdmission', data: { concertId: 'c1' }, metadata: at(T0) } as const;
    expect(given(admissionDecider, [paused(T0)]).when(pause)).toEqual(decided());
    expect(given(admissionDecider).when(resume)).toEqual(decided());
  });

  it('sets, changes and lifts the inflow rate; setting the same rate again is a no-op', () => {
    const set = (admitPerMinute: number | null) =>
      ({ type: 'SetAdmissionRate', data: { concertId: 'c1', admitPerMinute }, metadata: at(T0) }) as const;
    expect(given(admissionDecider).when(set(30))).toEqual(decided(rateSet(30, T0)));
    expect(given(admissionDecider, [rateSet(30, T0)]).when(set(30))).toEqual(decided());
    expect(given(admissionDecider, [rateSet(30, T0)]).when(set(null))).toEqual(decided(rateSet(null, T0)));
    expect(given(admissionDecider).when(set(0))).toMatchObject(refused('VALIDATION_FAILED'));
    expect(given(admissionDecider).when(set(1.5))).toMatchObject(refused('VALIDATION_FAILED'));
  });

  it('admits at most one second of inflow at once, even with every slot free', () => {
    expect(
      given(admissionDecider, [rateSet(120, T0)]).when(admitNext(T0, candidates(1, 2, 3, 4), { capacity: 50 })),
    ).toEqual(decided(admitted(candidates(1, 2), activeUntilAt(T0))));
  });

  it("the concert's rate applies until the ledger sets one, and the ledger's overrides it", () => {
    const waiting = candidates(1, 2, 3, 4, 5);
    expect(given(admissionDecider).when(admitNext(T0, waiting, { capacity: 50, admitPerMinute: 60 }))).toEqual(
      decided(admitted(candidates(1), activeUntilAt(T0))),
    );
    expect(
      given(admissionDecider, [rateSet(null, T0)]).when(admitNext(T0, waiting, { capacity: 50, admitPerMinute: 60 })),
    ).toEqual(decided(admitted(waiting, activeUntilAt(T0))));
  });

  it('spreads the rate over the minute: 60 a minute admits one a second, never a burst', () => {
    const waiting = Array.from({ length: 200 }, (_, i) => entry(i + 1));
    let state = fold(admissionDecider, [rateSet(60, T0)]);
    const perStep: number[] = [];
    // Ticks every 250 ms for a simulated minute.
    for (let now = T0; now < T0 + MINUTE; now += 250) {
      const events = admissionDecider.decide(admitNext(now, waiting, { capacity: 1_000 }), state);
      perStep.push(events.reduce((n, e) => n + (e.type === 'QueueAdmitted' ? e.data.entries.length : 0), 0));
      state = events.reduce(admissionDecider.evolve, state);
    }
    const total = perStep.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(54);
    expect(total).toBeLessThanOrEqual(66);
    expect(Math.max(...perStep)).toBe(1);
    // One a second: each second of the minute gets exactly one admission.
    const perSecond = Array.from({ length: 60 }, (_, s) => perStep.slice(s * 4, s * 4 + 4).reduce((a, b) => a + b, 0));
    expect(perSecond).toEqual(Array(60).fill(1));
  });

  describe('a scheduled opening', () => {
    const OPENS = T0 + 10 * MINUTE;
    const opened: AdmissionEvent = { type: 'QueueOpened', data: { concertId: 'c1', seed: SEED, openedAt: iso(OPENS) } };
    // The pre-queue after the shuffle: e3 was given the first join's rank, e1 the second's.
    const shuffled = [
      { ...entry(3), rank: entry(1).joinedPosition },
      { ...entry(1), rank: entry(2).joinedPosition },
      { ...entry(2), rank: entry(3).joinedPosition },
    ];

    it('admits nobody before the opening, however many slots are free', () => {
      expect(given(admissionDecider).when(admitNext(OPENS - 1, candidates(1, 2), { onSaleAt: OPENS }))).toEqual(
        decided(),
      );
    });

    it('opens at onSaleAt with the seed it is given, and admits nobody in the same decision', () => {
      expect(given(admissionDecider).when(admitNext(OPENS, candidates(1, 2), { onSaleAt: OPENS }))).toEqual(
        decided(opened),
      );
    });

    it('opens only once', () => {
      expect(fold(admissionDecider, [opened])).toMatchObject({ opened: true });
      const after = given(admissionDecider, [opened]).when(admitNext(OPENS + SECOND, shuffled, { onSaleAt: OPENS }));
      expect(after).toMatchObject({ events: [{ type: 'QueueAdmitted' }] });
    });

    it('admits the pre-queue in the order of its ranks, not of its joins, then counts it served by rank', () => {
      const now = OPENS + SECOND;
      const first = given(admissionDecider, [opened]).when(admitNext(now, shuffled, { onSaleAt: OPENS, capacity: 2 }));
      expect(first).toEqual(decided(admitted(shuffled.slice(0, 2), activeUntilAt(now))));
      const history = [opened, admitted(shuffled.slice(0, 2), activeUntilAt(now))];
      expect(fold(admissionDecider, history).servedUpTo).toBe(entry(2).joinedPosition);
      const next = given(admissionDecider, history).when(
        admitNext(now, [...shuffled, entry(4)], { onSaleAt: OPENS, capacity: 4 }),
      );
      expect(next).toEqual(decided(admitted([shuffled[2], entry(4)], activeUntilAt(now))));
    });

    it('refuses a seed out of range rather than write an opening nobody can replay', () => {
      expect(given(admissionDecider).when(admitNext(OPENS, [], { onSaleAt: OPENS, seed: 0 }))).toMatchObject(
        refused('VALIDATION_FAILED'),
      );
    });

    it('admits at once when the concert has no opening', () => {
      expect(given(admissionDecider).when(admitNext(T0, candidates(1)))).toEqual(
        decided(admitted(candidates(1), activeUntilAt(T0))),
      );
    });
  });
});
