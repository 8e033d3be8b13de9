import { Inject, Injectable } from '@nestjs/common';
import type { SqlClient } from '../../event-store/sql-client';
import { SQL_CLIENT } from '../tokens';

/** A response as it went out; `body` is the exact JSON text, so a replay is byte-for-byte the same. */
export type StoredResponse = {
  readonly status: number;
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
};

export type BeginOutcome = 'new' | 'in-progress' | 'mismatch' | { readonly replay: StoredResponse };

/** The contract promises replays for 24 h; older keys are free to be used again. */
export const REPLAY_WINDOW_SECONDS = 24 * 60 * 60;
/** No request takes this long, so a row still unfinished by then was left by a crashed process. */
export const ABANDONED_AFTER_SECONDS = 30;

type KeyRow = {
  request_hash: string;
  status: number | null;
  body: string | null;
  headers: Record<string, string> | null;
};

/**
 * Remembers the first response per (scope, key) in the database shared by all
 * instances, so a retry that lands on another instance, or after a restart,
 * still replays instead of acting twice.
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

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

  /** Forgets an unfinished key (the outcome was a server failure), so the client's retry runs for real. */
  async abandon(scope: string, key: string): Promise<void> {
    await this.sql.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL', [scope, key]);
  }

  /** Expired keys are dead weight; call from a periodic job. Returns how many were removed. */
  async purgeExpired(): Promise<number> {
    const { rows } = await this.sql.query(
      'DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) RETURNING 1 AS gone',
      [REPLAY_WINDOW_SECONDS],
    );
    return rows.length;
  }
}
