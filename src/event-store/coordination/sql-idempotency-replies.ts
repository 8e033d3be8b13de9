import type { SqlExecutor } from '../sql-client';
import {
  ABANDONED_AFTER_SECONDS,
  BeginOutcome,
  IdempotencyReplies,
  REPLAY_WINDOW_SECONDS,
  StoredResponse,
} from './coordination.port';

type KeyRow = {
  request_hash: string;
  status: number | null;
  body: string | null;
  headers: Record<string, string> | null;
};

/** Idempotency replies in the event store's database, table idempotency_keys. */
export class SqlIdempotencyReplies implements IdempotencyReplies {
  constructor(private readonly sql: SqlExecutor) {}

  async begin(scope: string, key: string, hash: string): Promise<BeginOutcome> {
    // A row can vanish between the two statements (its owner abandoned it); then simply claim again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await this.sql.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (scope, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, headers = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - make_interval(secs => $4)
              OR (idempotency_keys.status IS NULL
                  AND idempotency_keys.request_hash = EXCLUDED.request_hash
                  AND idempotency_keys.created_at < now() - make_interval(secs => $5))
         RETURNING 1 AS claimed`,
        [scope, key, hash, REPLAY_WINDOW_SECONDS, ABANDONED_AFTER_SECONDS],
      );
      if (claimed.rows.length > 0) return 'new';
      const { rows } = await this.sql.query<KeyRow>(
        'SELECT request_hash, status, body, headers FROM idempotency_keys WHERE scope = $1 AND key = $2',
        [scope, key],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.request_hash !== hash) return 'mismatch';
      if (row.status === null) return 'in-progress';
      return { replay: { status: row.status, body: row.body, headers: row.headers ?? {} } };
    }
    return 'in-progress';
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    // Only an unfinished row: if a slow original and a takeover both finish, the first answer stands.
    await this.sql.query(
      `UPDATE idempotency_keys SET status = $3, body = $4::jsonb, headers = $5::jsonb
       WHERE scope = $1 AND key = $2 AND status IS NULL`,
      [scope, key, response.status, JSON.stringify(response.body), JSON.stringify(response.headers)],
    );
  }

  async abandon(scope: string, key: string): Promise<void> {
    await this.sql.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL', [scope, key]);
  }

  async purgeExpired(): Promise<number> {
    const { rows } = await this.sql.query(
      'DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) RETURNING 1 AS gone',
      [REPLAY_WINDOW_SECONDS],
    );
    return rows.length;
  }
}
