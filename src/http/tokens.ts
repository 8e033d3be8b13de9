/**
 * DI tokens the importing application provides (globally) for HttpEdgeModule.
 * CONFIG comes from src/config.ts.
 */

/** A SqlClient (src/event-store/sql-client.ts) whose database has SCHEMA_SQL applied. */
export const SQL_CLIENT = Symbol('SQL_CLIENT');

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
