import type { Checkpoints } from '../../shared/checkpoints';

/**
 * What the instances of one deployment share besides the event log itself:
 * who leads (leases), the first reply to each idempotent request, named
 * positions in the log (checkpoints), which generation of each read-model
 * store is live, and the log's identity. It is kept beside the event store
 * (in its PostgreSQL or PGlite database today), so an instance that starts
 * finds what the others left. A second event store brings an adapter of
 * this port; nothing that uses it changes.
 */
export const COORDINATION = Symbol('COORDINATION');

export interface Coordination {
  readonly leases: Leases;
  readonly idempotency: IdempotencyReplies;
  readonly checkpoints: Checkpoints;
  readonly generations: Generations;
  /**
   * The identity of this event log, made once when its database is (the first
   * instance to ask makes it, the others read it). Positions are only
   * meaningful within one log: a topic that still holds messages of an earlier
   * database (recreated, restored, or a second deployment on the same topic)
   * would otherwise feed a consumer positions that belong to other events, and
   * skipping "already seen" positions would then lose real ones. The relay
   * stamps every message with this id; consumers drop the rest.
   */
  logIdentity(): Promise<string>;
}

/** Named leader leases (see src/shared/lease.ts for the holder's side): whoever holds an unexpired one leads. */
export interface Leases {
  /**
   * Takes `name` for `holder` until `ttlMs` from now, or renews it; false
   * while another holder's lease has not expired. The database's clock
   * decides, so instances with skewed clocks still agree.
   */
  claim(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives `name` up if `holder` has it, so a successor need not wait out the TTL. */
  release(name: string, holder: string): Promise<void>;
}

/** A response as it went out; `body` is the exact JSON text, so a replay is byte-for-byte the same. */
export type StoredResponse = {
  readonly status: number;
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
};

export type BeginOutcome = 'new' | 'in-progress' | 'mismatch' | { readonly replay: StoredResponse };

/** The contract promises replays for 24 h; older keys are free to be used again. */
export const REPLAY_WINDOW_SECONDS = 24 * 60 * 60;
/** No request takes this long, so a claim still unfinished by then was left by a crashed process. */
export const ABANDONED_AFTER_SECONDS = 30;

/**
 * The first response per (scope, key), shared by all instances, so a retry
 * that lands on another instance, or after a restart, replays instead of
 * acting twice.
 */
export interface IdempotencyReplies {
  /**
   * Claims the key for a request whose body hashes to `hash`: 'new' for the
   * one caller that may run it; 'in-progress' while that one runs; the stored
   * reply once it completed; 'mismatch' for another request under the same
   * key. A key older than REPLAY_WINDOW_SECONDS is new again, and an
   * unfinished claim older than ABANDONED_AFTER_SECONDS is taken over by the
   * same request.
   */
  begin(scope: string, key: string, hash: string): Promise<BeginOutcome>;
  /** Stores the reply of an unfinished claim; if a slow original and a takeover both finish, the first stands. */
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets an unfinished claim (the outcome was a server failure), so the client's retry runs for real. */
  abandon(scope: string, key: string): Promise<void>;
  /** Removes keys older than the replay window; returns how many. */
  purgeExpired(): Promise<number>;
}

/**
 * Which generation of each read-model store is live, and which one a rebuild
 * is filling: every instance reads the same answer, and a rebuild that died
 * is found and resumed. Instances notice a switch on their next poll.
 */
export interface Generations {
  /** The live generation of each target (0 for a target never rebuilt). */
  live(targets: readonly string[]): Promise<Map<string, number>>;
  /** The generation a rebuild of `target` is filling, if one is under way (or died). */
  rebuilding(target: string): Promise<number | undefined>;
  /** The generation a rebuild of `target` fills: the unfinished one if a rebuild died, else the next. */
  beginRebuild(target: string): Promise<{ generation: number; live: number; resumed: boolean }>;
  /** Makes `generation` live (and ends the rebuild); returns the generation it replaced. */
  switchTo(target: string, generation: number): Promise<number>;
}
