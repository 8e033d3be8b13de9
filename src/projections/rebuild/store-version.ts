import type { Projection } from '../projection';
import type { ProjectionSink, StoreVersion } from '../projection-sink';

/**
 * What a store's documents are built with: the sink's own layout and the
 * version of every projection it applies, e.g.
 * `2 concerts@1 reservations@1 schedules@1 wallets@1`. A sink records it in
 * each generation it fills; bumping any part makes the live generation
 * outdated, and the instances rebuild it beside the live one (LiveStore).
 */
export function storeVersion(layout: number, projections: readonly Pick<Projection, 'name' | 'version'>[]): string {
  const named = [...projections].sort((a, b) => a.name.localeCompare(b.name)).map((p) => `${p.name}@${p.version}`);
  return [String(layout), ...named].join(' ');
}

/** Each part's number; a plain number (what stores recorded before their versions named projections) is a layout alone. */
function parts(version: StoreVersion): Map<string, number> {
  const [layout, ...named] = String(version).trim().split(/\s+/);
  const found = new Map([['', Number(layout)]]);
  for (const part of named) {
    const at = part.lastIndexOf('@');
    found.set(at < 0 ? part : part.slice(0, at), at < 0 ? NaN : Number(part.slice(at + 1)));
  }
  return found;
}

/**
 * True when `deployed` is behind `stored` in every part: a newer deployment
 * built the store (a rolling upgrade still running old instances), and an
 * old instance must not rebuild it back.
 */
export function isBehind(deployed: StoreVersion, stored: StoreVersion): boolean {
  if (deployed === stored) return false;
  const mine = parts(deployed);
  const theirs = parts(stored);
  for (const key of new Set([...mine.keys(), ...theirs.keys()])) {
    const a = mine.get(key) ?? 0;
    const b = theirs.get(key) ?? 0;
    if (Number.isNaN(a) || Number.isNaN(b) || a > b) return false;
  }
  return true;
}

/**
 * What the deployed sink makes of the store it would write: `current`;
 * `fresh` (nothing stored yet: the runner records its version and fills it);
 * `outdated` (built with other versions, or with none recorded: to be
 * rebuilt); or `newer` (built by a newer deployment: left alone).
 */
export async function versionCheck(sink: ProjectionSink): Promise<'current' | 'fresh' | 'outdated' | 'newer'> {
  const stored = await sink.storedVersion();
  if (stored === sink.version) return 'current';
  if (stored === undefined) return (await sink.checkpoint()) > 0 ? 'outdated' : 'fresh';
  return isBehind(sink.version, stored) ? 'newer' : 'outdated';
}
