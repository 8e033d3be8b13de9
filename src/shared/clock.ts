export const CLOCK = Symbol('CLOCK');

/** The only place the write side reads the time; deciders get it on the command. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
