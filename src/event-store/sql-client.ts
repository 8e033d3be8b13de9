/** The little of a SQL connection the event store needs; PGlite and node-postgres both fit. */
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs `onNotify` whenever another connection notifies `channel`; a no-op where one process owns the database. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** Makes committed transactions survive a power loss, where the database does not do it itself. */
  flush?(): Promise<void>;
  /** One statement outside a transaction, then `flush`, in one step where that saves a round trip. */
  queryDurably?<R extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  close(): Promise<void>;
}
