/** Byte buffers cut and grouped by size (pure). */

/**
 * `parts` as consecutive groups of exactly `bytes` bytes (the last one may be shorter). A part is
 * cut into views where a group ends: nothing is copied.
 */
export function* byteGroups(parts: readonly Buffer[], bytes: number): Generator<Buffer[]> {
  let group: Buffer[] = [];
  let filled = 0;
  for (const part of parts) {
    for (let at = 0; at < part.length; ) {
      const piece = part.subarray(at, at + bytes - filled);
      group.push(piece);
      filled += piece.length;
      at += piece.length;
      if (filled === bytes) {
        yield group;
        group = [];
        filled = 0;
      }
    }
  }
  if (group.length > 0) yield group;
}
