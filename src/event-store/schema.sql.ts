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
`;

/** Serialises appenders across every process sharing the database. */
export const APPEND_LOCK_ID = 7_340_001;
