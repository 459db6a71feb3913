/**
 * The text of a CSV export's fields (pure): RFC 4180 fields, and numbers written as bytes in
 * place, without a string per value (the export writes millions of them).
 */
import { writeShortestDouble } from '../output/shortest-double.js';
import { tomlFloat } from '../output/toml-values.js';

const NEEDS_QUOTES = /[",\r\n]/;

/** `text` as an RFC 4180 field: quoted (its quotes doubled) when it holds `,`, `"` or a line end. */
export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The most bytes {@link writeFloat} and {@link writeIndex} write. */
export const MAX_NUMBER_BYTES = 24;

/**
 * Writes `x` as the TOML file does ({@link tomlFloat}: shortest round-trip, `nan`, `inf`, `-inf`,
 * `-0.0`, `1.0`), which pandas' `float_precision="round_trip"` reads back bit-identical; returns
 * the end.
 */
export function writeFloat(x: number, out: Uint8Array, pos: number): number {
  const end = writeShortestDouble(x, out, pos);
  if (end >= 0) return end;
  // Integral values, the common case writeShortestDouble leaves: digits and `.0`, as tomlFloat.
  if (Number.isSafeInteger(x) && !Object.is(x, -0)) {
    if (x < 0) {
      out[pos++] = 45; // -
      x = -x;
    }
    pos = writeIndex(x, out, pos);
    out[pos] = 46; // .
    out[pos + 1] = 48; // 0
    return pos + 2;
  }
  const text = tomlFloat(x);
  for (let i = 0; i < text.length; i++) out[pos++] = text.charCodeAt(i);
  return pos;
}

const digits = new Uint8Array(16);

/** Writes a non-negative safe integer's digits; returns the end. */
export function writeIndex(n: number, out: Uint8Array, pos: number): number {
  let count = 0;
  do {
    const next = Math.floor(n / 10);
    digits[count++] = 48 + (n - next * 10);
    n = next;
  } while (n > 0);
  while (count > 0) out[pos++] = digits[--count]!;
  return pos;
}
