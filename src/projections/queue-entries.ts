/**
 * The entries of one concert's queue in join order, kept in columns of typed
 * arrays rather than an object (and two id strings, and a map entry) per
 * entry: a million waiting users cost about 70 MB instead of several hundred,
 * and the garbage collector has a few large arrays to look at instead of
 * millions of small objects, so a status read costs the same at any queue size.
 *
 * Ids are stored as 128 bits when they are canonical (lower-case) UUIDs, as
 * the service makes them; any other string is interned once per queue and
 * stored as its number. Two open-addressing tables find a row by entry id and
 * the latest row of a user; each row links to the previous row of its user.
 * Every look-up is O(1).
 */

const WORDS = 4;
const ADMITTED = 1;
const COMPLETED = 2;
/** The entry id, or the user id, is an interned string rather than a UUID. */
const ENTRY_INTERNED = 4;
const USER_INTERNED = 8;
const FIRST_CAPACITY = 16;

/** One id as four 32-bit words plus whether it was interned. */
type Key = { interned: boolean; words: Uint32Array };

/** Hex digit value by character code (lower case only), -1 for anything else. */
const NIBBLES = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c += 1) NIBBLES['0123456789abcdef'.charCodeAt(c)] = c;
const DASH = 45;
/** The key of a look-up, so that a read allocates nothing (one thread, and no look-up awaits). */
const scratch: Key = { interned: false, words: new Uint32Array(WORDS) };

/** `digits` hex digits from `at` as a number, or -1. */
function hexAt(id: string, at: number, digits: number): number {
  let value = 0;
  for (let i = at; i < at + digits; i += 1) {
    const code = id.charCodeAt(i);
    const nibble = code < 128 ? NIBBLES[code] : -1;
    if (nibble < 0) return -1;
    value = value * 16 + nibble;
  }
  return value;
}

/** The 128 bits of a canonical (lower-case) UUID, written into `out`; false for any other string. */
function parseUuid(id: string, out: Uint32Array): boolean {
  if (id.length !== 36) return false;
  if (id.charCodeAt(8) !== DASH || id.charCodeAt(13) !== DASH || id.charCodeAt(18) !== DASH) return false;
  if (id.charCodeAt(23) !== DASH) return false;
  // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx: the middle words straddle a dash, so they are read in halves.
  const a = hexAt(id, 0, 8);
  const b1 = hexAt(id, 9, 4);
  const b2 = hexAt(id, 14, 4);
  const c1 = hexAt(id, 19, 4);
  const c2 = hexAt(id, 24, 4);
  const d = hexAt(id, 28, 8);
  if (a < 0 || b1 < 0 || b2 < 0 || c1 < 0 || c2 < 0 || d < 0) return false;
  const b = b1 * 0x10000 + b2;
  const c = c1 * 0x10000 + c2;
  out[0] = a;
  out[1] = b;
  out[2] = c;
  out[3] = d;
  return true;
}

const hex8 = (word: number) => word.toString(16).padStart(8, '0');

function formatUuid(words: Uint32Array, at: number): string {
  const b = hex8(words[at + 1]);
  const c = hex8(words[at + 2]);
  return `${hex8(words[at])}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex8(words[at + 3])}`;
}

function hashWords(words: Uint32Array, at: number, interned: boolean): number {
  let h = interned ? 0x9e3779b9 : 0x85ebca6b;
  for (let w = 0; w < WORDS; w += 1) {
    h = Math.imul(h ^ words[at + w], 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * Rows by the id in one of their key columns (linear probing); a slot holds
 * row + 1, 0 is empty. The columns are passed in on every call, so the index
 * is plain data (two documents built from the same events compare equal).
 */
class RowIndex {
  private slots = new Int32Array(FIRST_CAPACITY * 2);
  private used = 0;

  constructor(private readonly internedFlag: number) {}

  find(words: Uint32Array, flags: Uint8Array, key: Key): number {
    const mask = this.slots.length - 1;
    for (let slot = hashWords(key.words, 0, key.interned) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot];
      if (held === 0) return -1;
      const row = held - 1;
      if (((flags[row] & this.internedFlag) !== 0) === key.interned && equalWords(words, row * WORDS, key.words, 0)) {
        return row;
      }
    }
  }

  /** Points the key of `row` at `row`, instead of the row it pointed at; returns that row, or -1. */
  put(words: Uint32Array, flags: Uint8Array, row: number): number {
    if ((this.used + 1) * 2 > this.slots.length) this.grow(words, flags);
    const interned = flags[row] & this.internedFlag;
    const mask = this.slots.length - 1;
    for (let slot = hashWords(words, row * WORDS, interned !== 0) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot];
      if (held === 0) {
        this.slots[slot] = row + 1;
        this.used += 1;
        return -1;
      }
      if (
        (flags[held - 1] & this.internedFlag) === interned &&
        equalWords(words, (held - 1) * WORDS, words, row * WORDS)
      ) {
        this.slots[slot] = row + 1;
        return held - 1;
      }
    }
  }

  private grow(words: Uint32Array, flags: Uint8Array): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.used = 0;
    for (const held of old) if (held !== 0) this.put(words, flags, held - 1);
  }
}

function equalWords(a: Uint32Array, at: number, b: Uint32Array, bt: number): boolean {
  for (let w = 0; w < WORDS; w += 1) if (a[at + w] !== b[bt + w]) return false;
  return true;
}

export class QueueEntries {
  private count = 0;
  private entryWords = new Uint32Array(FIRST_CAPACITY * WORDS);
  private userWords = new Uint32Array(FIRST_CAPACITY * WORDS);
  private joinedPositions = new Float64Array(FIRST_CAPACITY);
  private activeUntils = new Float64Array(FIRST_CAPACITY);
  private flags = new Uint8Array(FIRST_CAPACITY);
  /** The user's previous row, or -1. */
  private previousOfUser = new Int32Array(FIRST_CAPACITY);
  private readonly interned = new Map<string, number>();
  private readonly internedIds: string[] = [];
  private readonly byEntry = new RowIndex(ENTRY_INTERNED);
  private readonly byUser = new RowIndex(USER_INTERNED);

  /** Entries joined, a joined-again entry id counting again (as a row of its own). */
  get size(): number {
    return this.count;
  }

  /** Appends a join; returns its row (its 1-based place in the join order minus one). */
  join(entryId: string, userId: string, joinedPosition: number): number {
    if (this.count === this.flags.length) this.grow();
    const row = this.count;
    this.count += 1;
    const entryInterned = this.store(entryId, this.entryWords, row);
    const userInterned = this.store(userId, this.userWords, row);
    this.flags[row] = (entryInterned ? ENTRY_INTERNED : 0) | (userInterned ? USER_INTERNED : 0);
    this.joinedPositions[row] = joinedPosition;
    this.activeUntils[row] = 0;
    this.byEntry.put(this.entryWords, this.flags, row);
    this.previousOfUser[row] = this.byUser.put(this.userWords, this.flags, row);
    return row;
  }

  /** The entry's row (its latest join), or -1 when the queue does not know it. */
  rowOf(entryId: unknown): number {
    return typeof entryId === 'string' && this.keyFor(entryId)
      ? this.byEntry.find(this.entryWords, this.flags, scratch)
      : -1;
  }

  /** Marks the row admitted until `until` (epoch ms); false when it already was. */
  admit(row: number, until: number): boolean {
    if (this.flags[row] & ADMITTED) return false;
    this.flags[row] |= ADMITTED;
    this.activeUntils[row] = until;
    return true;
  }

  complete(row: number): void {
    this.flags[row] |= COMPLETED;
  }

  isAdmitted(row: number): boolean {
    return (this.flags[row] & ADMITTED) !== 0;
  }

  isCompleted(row: number): boolean {
    return (this.flags[row] & COMPLETED) !== 0;
  }

  /** Epoch ms; undefined until admitted (NaN when the admission's time did not parse). */
  activeUntil(row: number): number | undefined {
    return this.isAdmitted(row) ? this.activeUntils[row] : undefined;
  }

  joinedPosition(row: number): number {
    return this.joinedPositions[row];
  }

  entryId(row: number): string {
    return this.idAt(this.entryWords, row, ENTRY_INTERNED);
  }

  userId(row: number): string {
    return this.idAt(this.userWords, row, USER_INTERNED);
  }

  /** Every row's entry id in join order. */
  entryIds(): string[] {
    return Array.from({ length: this.count }, (_, row) => this.entryId(row));
  }

  /** The user's entry ids, oldest first. */
  entryIdsOf(userId: string): string[] {
    if (!this.keyFor(userId)) return [];
    const ids: string[] = [];
    for (let row = this.byUser.find(this.userWords, this.flags, scratch); row >= 0; row = this.previousOfUser[row])
      ids.push(this.entryId(row));
    return ids.reverse();
  }

  /** Fills the scratch key with `id`; false when `id` is neither a UUID nor interned here. */
  private keyFor(id: string): boolean {
    scratch.interned = !parseUuid(id, scratch.words);
    if (!scratch.interned) return true;
    const n = this.interned.get(id);
    if (n === undefined) return false;
    scratch.words.fill(0);
    scratch.words[0] = n;
    return true;
  }

  /** Writes `id` into the row's words; true when it had to be interned. */
  private store(id: string, column: Uint32Array, row: number): boolean {
    const at = row * WORDS;
    if (parseUuid(id, scratch.words)) {
      column.set(scratch.words, at);
      return false;
    }
    let n = this.interned.get(id);
    if (n === undefined) {
      n = this.internedIds.push(id) - 1;
      this.interned.set(id, n);
    }
    column.fill(0, at, at + WORDS);
    column[at] = n;
    return true;
  }

  private idAt(column: Uint32Array, row: number, internedFlag: number): string {
    return this.flags[row] & internedFlag ? this.internedIds[column[row * WORDS]] : formatUuid(column, row * WORDS);
  }

  private grow(): void {
    const capacity = this.flags.length * 2;
    const grown = <A extends Uint32Array | Float64Array | Uint8Array | Int32Array>(old: A, next: A): A => {
      next.set(old as never);
      return next;
    };
    this.entryWords = grown(this.entryWords, new Uint32Array(capacity * WORDS));
    this.userWords = grown(this.userWords, new Uint32Array(capacity * WORDS));
    this.joinedPositions = grown(this.joinedPositions, new Float64Array(capacity));
    this.activeUntils = grown(this.activeUntils, new Float64Array(capacity));
    this.flags = grown(this.flags, new Uint8Array(capacity));
    this.previousOfUser = grown(this.previousOfUser, new Int32Array(capacity));
  }
}
