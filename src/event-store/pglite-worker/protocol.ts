/** What the service's thread asks of the PGlite worker; `id` pairs each request with its reply. */
export type HostRequest =
  | {
      readonly id: number;
      readonly op: 'query';
      readonly sql: string;
      readonly params?: unknown[];
      readonly tx?: number;
      /** Flush the write-ahead log before answering: a durable write in one message instead of two. */
      readonly flush?: boolean;
    }
  | { readonly id: number; readonly op: 'begin' }
  | { readonly id: number; readonly op: 'commit' | 'rollback'; readonly tx: number }
  | { readonly id: number; readonly op: 'flush' | 'close' };

/** A database error crosses the thread boundary as plain fields; `code` is the SQLSTATE callers test. */
export type HostError = { readonly message: string; readonly code?: string; readonly detail?: string };

export type HostReply =
  | { readonly id: number; readonly ok: true; readonly rows?: unknown[] }
  | { readonly id: number; readonly ok: false; readonly error: HostError };

/** Sent once by the worker: the database is open (or could not be opened). */
export type HostReady = { readonly ready: true } | { readonly ready: false; readonly error: HostError };

export type HostData = { readonly dataDir: string | undefined };
