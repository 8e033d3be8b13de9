export const FAULTS = Symbol('FAULTS');

export type FaultPoint =
  | 'hold:after-request'
  | 'hold:after-seat'
  | 'pay:after-start'
  | 'pay:after-debit'
  | 'pay:after-seats'
  | 'waitlist:after-offer'
  | 'refund:after-request'
  | 'refund:after-credit'
  | 'refund:after-seats';

export class InjectedFault extends Error {
  constructor(readonly point: FaultPoint) {
    super(`injected fault at ${point}`);
    this.name = 'InjectedFault';
  }
}

/**
 * Lets a test stop a process manager between two of its steps, as a crash
 * would, and then prove that recovery finishes or compensates the flow.
 * Nothing is armed in production.
 */
export class Faults {
  private readonly armed = new Set<FaultPoint>();

  arm(point: FaultPoint): void {
    this.armed.add(point);
  }

  disarm(): void {
    this.armed.clear();
  }

  check(point: FaultPoint): void {
    if (this.armed.has(point)) throw new InjectedFault(point);
  }
}
