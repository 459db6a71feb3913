/**
 * The output file's name (SPEC §5): `{session_name}_{DD_MM_YYYY_HH_MM_SS_mmm}.toml`, the suffix
 * in local time at the start of the loop iteration. Like the original, spaces and `/` in the
 * session name become `_`. Ours also keeps the name a single, portable path component inside the
 * output directory: no path separators of any OS, no `..`, no leading dot, no control
 * characters, no characters Windows forbids, and a bounded length.
 */

/** Used when the session has no name (or no session message arrived). */
export const FALLBACK_SESSION_NAME = 'rex_run';

/** UTF-8 bytes the name part may take: 255-byte file-name limit minus the suffix (29 bytes). */
export const MAX_NAME_BYTES = 200;

// Spaces and `/` (the original), `\`, Windows-reserved `<>:"|?*`, C0 controls, DEL, C1 controls.
const REPLACED = /[ /\\<>:"|?*\x00-\x1f\x7f-\x9f]/g;
const DOT_RUNS = /\.{2,}/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The session name made safe as the first part of a file name (never empty). */
export function sanitizeSessionName(sessionName: string | undefined): string {
  let name = (sessionName ?? '').replace(LONE_SURROGATE, '_').replace(REPLACED, '_').replace(DOT_RUNS, '_');
  if (name.startsWith('.')) name = `_${name.slice(1)}`;
  name = truncateUtf8(name, MAX_NAME_BYTES);
  return name.length === 0 ? FALLBACK_SESSION_NAME : name;
}

/** `DD_MM_YYYY_HH_MM_SS_mmm` in the local time zone. */
export function fileNameTimestamp(startLocal: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return [
    two(startLocal.getDate()),
    two(startLocal.getMonth() + 1),
    String(startLocal.getFullYear()).padStart(4, '0'),
    two(startLocal.getHours()),
    two(startLocal.getMinutes()),
    two(startLocal.getSeconds()),
    String(startLocal.getMilliseconds()).padStart(3, '0'),
  ].join('_');
}

/** The output file's name (no directory). */
export function outputFileName(sessionName: string | undefined, startLocal: Date): string {
  return `${sanitizeSessionName(sessionName)}_${fileNameTimestamp(startLocal)}.toml`;
}

/** The longest start of `text` that fits `maxBytes` of UTF-8, cut between characters. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * The name to use when `fileName` is taken by another run's file (two runs of one session name
 * started in the same millisecond): `_2`, `_3`, … before `.toml`. `n` = 1 is the name itself.
 */
export function withClashSuffix(fileName: string, n: number): string {
  if (n <= 1) return fileName;
  const dot = fileName.endsWith('.toml') ? fileName.length - '.toml'.length : fileName.length;
  return `${fileName.slice(0, dot)}_${n}${fileName.slice(dot)}`;
}
