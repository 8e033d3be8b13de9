import { RecordedEvent } from '../event-store/event-store.port';

/** One event on one line: revision, position, time, type and schema version, data. */
export const eventLine = (event: RecordedEvent): string =>
  [
    `#${event.revision}`.padStart(6),
    `@${event.position}`.padEnd(10),
    event.recordedAt.toISOString(),
    `${event.type} v${event.metadata.schemaVersion ?? 1}`.padEnd(28),
    JSON.stringify(event.data),
  ].join(' ');

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Left-aligned columns wide enough for every cell. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const perSecond = (count: number, ms: number) => Math.round(count / Math.max(ms / 1000, 0.001));
