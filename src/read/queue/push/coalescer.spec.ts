import { Coalescer } from './coalescer';

/** Lets the work's promise and the coalescer's continuation settle. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('Coalescer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A coalescer whose every run delivers unless `quiet` says otherwise; `runs` are the times it ran. */
  function delivering(quiet: () => boolean = () => false) {
    const runs: number[] = [];
    const coalescer: Coalescer = new Coalescer(async () => {
      runs.push(Date.now());
      if (!quiet()) coalescer.delivered();
    }, 1_000);
    return { runs, coalescer };
  }

  it('runs the first poke at once', async () => {
    const { runs, coalescer } = delivering();
    coalescer.poke();
    await settle();
    expect(runs).toHaveLength(1);
  });

  it('turns the pokes within a second of a delivery into one run at the end of that second', async () => {
    const { runs, coalescer } = delivering();
    const start = Date.now();
    coalescer.poke();
    await settle();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(50);
      coalescer.poke();
    }
    await settle();
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(499);
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs.map((at) => at - start)).toEqual([0, 1_000]);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(runs).toHaveLength(2);
  });

  it('never delivers twice within a second under a steady stream of pokes', async () => {
    const { runs, coalescer } = delivering();
    const start = Date.now();
    for (let t = 0; t < 4_500; t += 10) {
      coalescer.poke();
      await jest.advanceTimersByTimeAsync(10);
    }
    expect(runs.map((at) => at - start)).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
    // The pokes after the run at 4 s are answered by one more run, a second after it.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs.map((at) => at - start)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it('counts the interval from a delivery made outside a run (the opening event)', async () => {
    const { runs, coalescer } = delivering();
    const start = Date.now();
    coalescer.delivered();
    await jest.advanceTimersByTimeAsync(300);
    coalescer.poke();
    await jest.advanceTimersByTimeAsync(699);
    expect(runs).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs.map((at) => at - start)).toEqual([1_000]);
  });

  it('lets a run that delivered nothing (no change) delay nothing', async () => {
    let quiet = false;
    const { runs, coalescer } = delivering(() => quiet);
    const start = Date.now();
    coalescer.poke();
    await jest.advanceTimersByTimeAsync(2_000);
    quiet = true;
    coalescer.poke();
    await jest.advanceTimersByTimeAsync(100);
    quiet = false;
    coalescer.poke();
    await settle();
    expect(runs.map((at) => at - start)).toEqual([0, 2_000, 2_100]);
    coalescer.poke();
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs.map((at) => at - start)).toEqual([0, 2_000, 2_100, 3_100]);
  });

  it('runs again after a run that was under way when a poke came', async () => {
    let release = () => {};
    const runs: number[] = [];
    const coalescer: Coalescer = new Coalescer(
      () =>
        new Promise<void>((resolve) => {
          runs.push(Date.now());
          release = () => (coalescer.delivered(), resolve());
        }),
      1_000,
    );
    const start = Date.now();
    coalescer.poke();
    await jest.advanceTimersByTimeAsync(1_500);
    coalescer.poke();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toHaveLength(1);
    release();
    await settle();
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs.map((at) => at - start)).toEqual([0, 3_500]);
  });

  it('does nothing once closed', async () => {
    const { runs, coalescer } = delivering();
    coalescer.poke();
    await settle();
    coalescer.poke();
    coalescer.close();
    await jest.advanceTimersByTimeAsync(5_000);
    coalescer.poke();
    await settle();
    expect(runs).toHaveLength(1);
  });
});
