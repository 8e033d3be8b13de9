import type { SqlClient } from './sql-client';

/**
 * One schema for both SQL adapters. Positions are assigned by the writer under
 * a transaction-scoped advisory lock, so they are dense and become visible in
 * order: a subscriber that has seen position n can never later find n-1.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  position    bigint PRIMARY KEY,
  stream_id   text NOT NULL,
  revision    bigint NOT NULL,
  id          text NOT NULL UNIQUE,
  type        text NOT NULL,
  data        jsonb NOT NULL,
  metadata    jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, revision)
);
-- Filtered reads of the log (a process that follows a few event types) seek by type, then position.
CREATE INDEX IF NOT EXISTS events_type_position ON events (type, position);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope        text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       integer,
  body         jsonb,
  headers      jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS leases (
  name       text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_checkpoints (
  name     text PRIMARY KEY,
  position bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS read_model_generations (
  target     text PRIMARY KEY,
  live       integer NOT NULL DEFAULT 0,
  rebuilding integer
);
CREATE TABLE IF NOT EXISTS log_identity (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id        text NOT NULL
);
`;

/** Serialises appenders across every process sharing the database. */
export const APPEND_LOCK_ID = 7_340_001;
/** Serialises schema creation across every process sharing the database. */
export const SCHEMA_LOCK_ID = 7_340_002;

/**
 * Applies SCHEMA_SQL. On PostgreSQL, instances starting together on an empty
 * database take turns: CREATE ... IF NOT EXISTS racing itself fails with a
 * duplicate key in pg_type or pg_class, so each runs the schema in one
 * transaction behind an advisory lock, and the next sees its tables committed.
 * PGlite has one process and runs the script as it is (its transactions take
 * one statement per query).
 */
export async function applySchema(sql: SqlClient): Promise<void> {
  if (sql.kind === 'pglite') {
    await sql.query(SCHEMA_SQL);
    return;
  }
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_ID]);
    await tx.query(SCHEMA_SQL);
  });
}
