import type { Clock } from '../../src/shared/clock';

/** A clock that stands still until the test moves it: the admission leader and the status reads see `ms`. */
export class TestClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
}

/** The write side's clock, running, moved forward by the test instead of waiting out holds and offers. */
export class SteppedClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
