/** Numbers as people read them, shared by what rex prints and what it mails (pure). */

/**
 * `12,345`. Counts are grouped by hand: the first `toLocaleString` of a process loads ICU's locale
 * data, ~25 ms of CPU on the path from the script's end to rex's exit. Anything but a safe integer
 * is left to ICU.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const grouped = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/** `1 value`, `12,345 values`. */
export function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** `512 B`, `3.4 KiB`, `12.0 MiB`, `1.5 GiB` (powers of 1024, as the docs' limits are written). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
