export const DEFAULT_KEY_PREFIX = 'rt:';

/**
 * Where the queue read model lives. Everything is under `<prefix>q:` so that
 * a reset removes this model only, and several deployments or test runs can
 * share one server. A concert's keys share the `{concertId}` hash tag.
 *
 *   <prefix>q:checkpoint                    global position of the last applied batch
 *   <prefix>q:version                       version of the sink that wrote these keys
 *   <prefix>q:{c}:waiting        zset       WAITING entry ids by admission order (join position, shuffled
 *                                           among the pre-queue at the opening)
 *   <prefix>q:{c}:active         zset       admitted, not completed, by activeUntil (ms)
 *   <prefix>q:{c}:e:<entryId>    hash       u userId, a activeUntil, d completed, p last applied position
 *   <prefix>q:{c}:admissions     zset       "<position>:<n>" per admitted entry by recordedAt (ms), last minute only
 *   <prefix>q:{c}:admissions:p   string     position of the last admission applied to that zset
 *   <prefix>q:{c}:meta           hash       paused 1 while paused, rate admitPerMinute, opens onSaleAt (ms),
 *                                           opened 1 from QueueOpened, p last applied position
 *
 * The apply script builds the same names from `concertRoot` (see queue-scripts.ts).
 */
export class QueueKeys {
  readonly root: string;
  readonly checkpoint: string;
  /** The sink version that wrote these keys. */
  readonly version: string;
  /** What precedes the concert id in every concert key; the apply script appends `<id>}:<suffix>`. */
  readonly concertRoot: string;

  constructor(readonly prefix = DEFAULT_KEY_PREFIX) {
    this.root = `${prefix}q:`;
    this.checkpoint = `${this.root}checkpoint`;
    this.version = `${this.root}version`;
    this.concertRoot = `${this.root}{`;
  }

  waiting(concertId: string): string {
    return `${this.concertRoot}${concertId}}:waiting`;
  }

  active(concertId: string): string {
    return `${this.concertRoot}${concertId}}:active`;
  }

  entry(concertId: string, entryId: string): string {
    return `${this.concertRoot}${concertId}}:e:${entryId}`;
  }

  admissions(concertId: string): string {
    return `${this.concertRoot}${concertId}}:admissions`;
  }

  meta(concertId: string): string {
    return `${this.concertRoot}${concertId}}:meta`;
  }

  /** SCAN pattern matching every key of this model, and nothing else. */
  get pattern(): string {
    return `${this.root.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }
}
