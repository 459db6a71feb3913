/**
 * A JSON array of numbers, read straight from the line's bytes into a Float64Array.
 *
 * Why not `JSON.parse(buffer.toString())`: turning a buffer of more than ~128 KB into one string
 * runs at a few hundred MB/s (V8's large-object space), about as slow as parsing it. Here the
 * array is read in pieces of at most CHUNK_BYTES:
 * - first byte by byte: a number with at most 15 significant digits and a small exponent is
 *   exactly `digits × 10^e` or `digits / 10^-e`, one correctly rounded IEEE operation (Clinger's
 *   fast path); one of up to 20 digits (Python writes 17 for a full-precision double) goes through
 *   `decimalToDouble`, with the same result. Both are several times faster than JSON.parse;
 * - a piece holding a number neither decides (more digits, a huge exponent, an exact midpoint
 *   between two doubles, NaN/Infinity) is handed whole to `JSON.parse` as a small string.
 * Python's `NaN`, `Infinity` and `-Infinity` tokens are read as such (SPEC §2 DEVIATION).
 *
 * Anything else (a string, a nested array, bad syntax) returns null: the caller falls back to the
 * ordinary parser, which gives the precise reason. This reader only ever accepts what that
 * parser accepts, with the same values.
 */
import { parseJsonText, isNanStandIn } from './json.js';
import { allocFloat64 } from './binary-trace.js';
import { MAX_EXPONENT, MIN_EXPONENT, decimalToDouble } from './decimal-to-double.js';

const CHUNK_BYTES = 32 * 1024;
const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const CLOSE = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const SMALL_E = 0x65;
const BIG_E = 0x45;
/** Above this the next digit could make the mantissa inexact (> 2^53); later digits go to `low`. */
const MANTISSA_LIMIT = 900719925474098;
/** Below this, four more digits keep the mantissa exact. */
const MANTISSA_LIMIT_FOUR = 900719925473;
/** Digits kept past the mantissa: up to 20 significant digits are read exactly. */
const MAX_LOW_DIGITS = 4;
const POWERS_OF_TEN = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];
const NAN_TOKEN = Buffer.from('NaN');
const INFINITY_TOKEN = Buffer.from('Infinity');

/** Where one array ends and its values (`end` is just past the closing `]`). */
export interface NumberArray {
  values: Float64Array;
  end: number;
}

/** Values read so far; grows by doubling, copied once into an exact-size array at the end. */
let scratch = new Float64Array(4096);

/** Reads the array whose `[` is at `open`; null when it is not a flat array of JSON numbers. */
export function readNumberArray(bytes: Buffer, open: number): NumberArray | null {
  const close = bytes.indexOf(CLOSE, open + 1);
  if (close === -1) return null;
  let count = 0;
  let pos = skipSpaces(bytes, open + 1);
  if (pos === close) return { values: allocFloat64(0), end: close + 1 };
  // Once a piece needed JSON.parse the data is probably full precision: skip the byte attempt.
  let preferJson = false;
  while (pos < close) {
    const pieceEnd = pieceEndAt(bytes, pos, close);
    let read = preferJson ? -1 : readPieceFast(bytes, pos, pieceEnd, count);
    if (read === -1) {
      preferJson = true;
      read = readPieceJson(bytes, pos, pieceEnd, count);
      if (read === -1) return null;
    }
    count += read;
    pos = pieceEnd === close ? close : skipSpaces(bytes, pieceEnd + 1);
    if (pieceEnd !== close && pos === close) return null; // a trailing comma
  }
  const values = allocFloat64(count);
  values.set(scratch.subarray(0, count));
  return { values, end: close + 1 };
}

/** End of the piece starting at `from`: the last comma within CHUNK_BYTES, or `close`. */
function pieceEndAt(bytes: Buffer, from: number, close: number): number {
  if (close - from <= CHUNK_BYTES) return close;
  const back = bytes.lastIndexOf(COMMA, from + CHUNK_BYTES);
  if (back > from) return back;
  const ahead = bytes.indexOf(COMMA, from + CHUNK_BYTES);
  return ahead !== -1 && ahead < close ? ahead : close;
}

/**
 * Reads the comma-separated numbers in [from, end) into scratch from `at`; returns how many, or
 * -1 when one of them is not a plain number of at most 20 digits whose rounding is decided here
 * (the piece is re-read by JSON.parse).
 */
function readPieceFast(bytes: Buffer, from: number, end: number, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let pos = from;
  let n = 0;
  for (;;) {
    let c = bytes[pos]!;
    let negative = false;
    if (c === MINUS) {
      negative = true;
      c = bytes[++pos]!;
    }
    if (c < ZERO || c > NINE) return -1; // NaN, Infinity, garbage: JSON.parse decides
    const intStart = pos;
    // The significand is mantissa × 10^lowDigits + low: exact for up to 20 digits.
    let mantissa = 0;
    let lowDigits = 0;
    let low = 0;
    let exponent = 0;
    let tooLong = false;
    while (c >= ZERO && c <= NINE) {
      if (mantissa <= MANTISSA_LIMIT) mantissa = mantissa * 10 + (c - ZERO);
      else if (lowDigits < MAX_LOW_DIGITS) {
        low = low * 10 + (c - ZERO);
        lowDigits++;
      } else tooLong = true;
      c = bytes[++pos]!;
    }
    if (bytes[intStart] === ZERO && pos - intStart > 1) return -1; // a leading zero: not JSON
    if (c === DOT) {
      c = bytes[++pos]!;
      if (c < ZERO || c > NINE) return -1;
      // Four digits at a time while they fit the mantissa exactly (most of a full-precision fraction).
      while (mantissa <= MANTISSA_LIMIT_FOUR && pos + 4 <= bytes.length) {
        const four = fourDigits(view.getUint32(pos, true));
        if (four < 0) break;
        mantissa = mantissa * 10000 + four;
        exponent -= 4;
        pos += 4;
      }
      c = bytes[pos]!;
      while (c >= ZERO && c <= NINE) {
        if (mantissa <= MANTISSA_LIMIT) mantissa = mantissa * 10 + (c - ZERO);
        else if (lowDigits < MAX_LOW_DIGITS) {
          low = low * 10 + (c - ZERO);
          lowDigits++;
        } else tooLong = true;
        exponent--;
        c = bytes[++pos]!;
      }
    }
    if (c === SMALL_E || c === BIG_E) {
      c = bytes[++pos]!;
      let sign = 1;
      if (c === MINUS || c === PLUS) {
        if (c === MINUS) sign = -1;
        c = bytes[++pos]!;
      }
      if (c < ZERO || c > NINE) return -1;
      let written = 0;
      while (c >= ZERO && c <= NINE) {
        if (written < 1000) written = written * 10 + (c - ZERO);
        c = bytes[++pos]!;
      }
      exponent += sign * written;
    }
    if (tooLong) return -1;
    let magnitude: number;
    if (lowDigits === 0 && exponent >= -22 && exponent <= 22) {
      // Clinger: an exact significand times an exact power of ten, rounded once.
      magnitude = exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent]! : mantissa * POWERS_OF_TEN[exponent]!;
    } else {
      if (exponent < MIN_EXPONENT || exponent > MAX_EXPONENT) return -1;
      magnitude = decimalToDouble(mantissa, lowDigits, low, exponent);
      if (Number.isNaN(magnitude)) return -1; // UNDECIDED: JSON.parse rounds it
    }
    store(at + n++, negative ? -magnitude : magnitude);
    while (c === SPACE || c === TAB) c = bytes[++pos]!;
    if (pos === end) return n;
    if (c !== COMMA) return -1;
    pos = skipSpaces(bytes, pos + 1);
    if (pos >= end) return -1;
  }
}

/** JSON.parse of the piece as a small string (correct rounding for any digits, NaN/Infinity). */
function readPieceJson(bytes: Buffer, from: number, end: number, at: number): number {
  if (!mayHoldOnlyNumbers(bytes, from, end)) return -1;
  const parsed = parseJsonText(`[${bytes.toString('latin1', from, end)}]`);
  if (!parsed.ok || !Array.isArray(parsed.value)) return -1;
  const items = parsed.value as unknown[];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== 'number') return -1;
    store(at + i, parsed.nanStandIns && isNanStandIn(item) ? NaN : item);
  }
  return items.length;
}

/**
 * A quick reject before JSON.parse: a quote, bracket or brace means strings or nesting (the
 * slow parser must explain them), and `N`/`I` outside the NaN/Infinity tokens are never numbers.
 */
function mayHoldOnlyNumbers(bytes: Buffer, from: number, end: number): boolean {
  const quote = bytes.indexOf(0x22, from);
  if (quote !== -1 && quote < end) return false;
  const open = bytes.indexOf(0x5b, from);
  if (open !== -1 && open < end) return false;
  const brace = bytes.indexOf(0x7b, from);
  if (brace !== -1 && brace < end) return false;
  return tokensAreWhole(bytes, from, end, 0x4e /* N */, NAN_TOKEN) && tokensAreWhole(bytes, from, end, 0x49 /* I */, INFINITY_TOKEN);
}

function tokensAreWhole(bytes: Buffer, from: number, end: number, first: number, token: Buffer): boolean {
  for (let at = bytes.indexOf(first, from); at !== -1 && at < end; at = bytes.indexOf(first, at + token.length)) {
    if (at + token.length > end || bytes.compare(token, 0, token.length, at, at + token.length) !== 0) return false;
  }
  return true;
}

/**
 * The value of four ASCII digits read as a little-endian 32-bit word, or -1 if any byte is not a
 * digit (SWAR: every byte is checked and converted at once).
 */
function fourDigits(word: number): number {
  // A digit byte is 0x30..0x39: its high nibble is 3, and adding 6 does not carry out of it.
  if ((word & 0xf0f0f0f0) !== 0x30303030 || ((word + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) return -1;
  const digits = word - 0x30303030; // d0 in the low byte
  const pairs = (digits * 10 + (digits >>> 8)) & 0x00ff00ff; // d0d1 in byte 0, d2d3 in byte 2
  return (pairs * 100 + (pairs >>> 16)) & 0xffff;
}

function store(index: number, value: number): void {
  if (index >= scratch.length) {
    const grown = new Float64Array(scratch.length * 2);
    grown.set(scratch);
    scratch = grown;
  }
  scratch[index] = value;
}

function skipSpaces(bytes: Buffer, pos: number): number {
  let c = bytes[pos];
  while (c === SPACE || c === TAB) c = bytes[++pos];
  return pos;
}
