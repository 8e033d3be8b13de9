/**
 * DI tokens the importing application provides (globally) for HttpEdgeModule.
 * CONFIG comes from src/config.ts.
 */

/** A ReadinessProbe answering GET /ready. */
export const READINESS = Symbol('READINESS');

export type Readiness = {
  readonly ready: boolean;
  readonly eventStore: unknown;
  readonly readModels: unknown;
  readonly breakers: unknown;
  readonly projections: unknown;
};

export interface ReadinessProbe {
  check(): Promise<Readiness>;
}
