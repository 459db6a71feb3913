/**
 * One decimal number read straight from bytes (pure), for the readers of big arrays of numbers:
 * JSON lines (number-array-bytes.ts) and output files (run-file/toml-scanner.ts).
 *
 * A number with at most 15 significant digits and a small exponent is exactly `digits × 10^e` or
 * `digits / 10^-e`, one correctly rounded IEEE operation (Clinger's fast path); one of up to 20
 * digits (Python and rex write 17 for a full-precision double) goes through `decimalToDouble`,
 * with the same result. Both are several times faster than `Number(text)` or JSON.parse, and make
 * no string. Anything else (more digits, a huge exponent, an exact midpoint between two doubles,
 * `NaN`, `inf`, a `+`, a leading zero) is left to the caller's full parser.
 */
import { decimalToDoubleAt, MAX_EXPONENT, MIN_EXPONENT } from './decimal-to-double.js';

const PLUS = 0x2b;
const MINUS = 0x2d;
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
/** Below PARTIAL_LIMITS[k], k more digits keep the mantissa exact (below 2^53). */
const PARTIAL_LIMITS = [0, 1, 2, 3].map((k) => Math.floor((2 ** 53 - 10 ** k) / 10 ** k) - 1);
const POWERS_OF_TEN = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/** What {@link readDecimalInto} returns for a number it does not decide. */
export const NOT_DECIDED = -1;

/**
 * Reads the JSON-syntax number at `bytes[at]` (`view` over the same bytes) into `out[index]` and
 * returns where it ends (the byte after it), or NOT_DECIDED when it is not a number this reader
 * decides; then the caller parses it another way. Reads past the number's last byte to see where
 * it ends: a caller whose bytes may be cut must check that the end is inside them.
 *
 * The value goes into an array, not out as the result: a double returned from a call V8 does not
 * inline is boxed, a 16-byte heap object per number (160 KB of garbage per 10k-point line, the
 * ingest's scavenges; issue 18).
 */
export function readDecimalInto(bytes: Uint8Array, view: DataView, at: number, out: Float64Array, index: number): number {
  let pos = at;
  let c = bytes[pos]!;
  let negative = false;
  if (c === MINUS) {
    negative = true;
    c = bytes[++pos]!;
  }
  if (c < ZERO || c > NINE) return NOT_DECIDED; // NaN, Infinity, garbage: JSON.parse decides
  // The significand is mantissa × 10^lowDigits + low: exact for up to 20 digits.
  let mantissa = 0;
  let lowDigits = 0;
  let low = 0;
  let exponent = 0;
  let tooLong = false;
  if (c === ZERO) {
    c = bytes[++pos]!;
    if (c >= ZERO && c <= NINE) return NOT_DECIDED; // a leading zero: not JSON
  } else {
    while (c >= ZERO && c <= NINE) {
      if (mantissa <= MANTISSA_LIMIT) mantissa = mantissa * 10 + (c - ZERO);
      else if (lowDigits < MAX_LOW_DIGITS) {
        low = low * 10 + (c - ZERO);
        lowDigits++;
      } else tooLong = true;
      c = bytes[++pos]!;
    }
  }
  if (c === DOT) {
    const fractionStart = ++pos;
    // Fraction digits a 32-bit word at a time while they fit the mantissa exactly: four per word,
    // then the 1–3 that end the number in its last word. Byte loads are most of the time here.
    const lastWord = bytes.length - 4;
    while (pos <= lastWord) {
      const word = view.getUint32(pos, true);
      const values = word ^ 0x30303030; // each digit byte now holds its value
      const notDigits = notDigitBytes(values);
      if (notDigits === 0) {
        if (mantissa > MANTISSA_LIMIT_FOUR) break;
        mantissa = mantissa * 10000 + wordValue(values);
        exponent -= 4;
        pos += 4;
        continue;
      }
      // Leading digits of the word (its low bytes): the lowest non-digit byte's index.
      const count = (31 - Math.clz32(notDigits & -notDigits)) >> 3;
      if (count > 0 && mantissa <= PARTIAL_LIMITS[count]!) {
        mantissa = mantissa * POWERS_OF_TEN[count]! + wordValue(values << (32 - 8 * count));
        exponent -= count;
        pos += count;
      }
      break;
    }
    c = bytes[pos]!;
    if (pos === fractionStart && (c < ZERO || c > NINE)) return NOT_DECIDED; // no fraction digit
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
    if (c < ZERO || c > NINE) return NOT_DECIDED;
    let written = 0;
    while (c >= ZERO && c <= NINE) {
      if (written < 1000) written = written * 10 + (c - ZERO);
      c = bytes[++pos]!;
    }
    exponent += sign * written;
  }
  if (tooLong) return NOT_DECIDED;
  if (lowDigits === 0 && exponent >= -22 && exponent <= 22) {
    // Clinger: an exact significand times an exact power of ten, rounded once.
    const magnitude = exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent]! : mantissa * POWERS_OF_TEN[exponent]!;
    out[index] = negative ? -magnitude : magnitude;
    return pos;
  }
  if (exponent < MIN_EXPONENT || exponent > MAX_EXPONENT) return NOT_DECIDED;
  // The significand goes in (and the value comes out) through the array: see decimalToDoubleAt.
  out[index] = mantissa;
  if (!decimalToDoubleAt(out, index, lowDigits, low, exponent)) return NOT_DECIDED; // a full parser decides
  if (negative) out[index] = -out[index]!;
  return pos;
}

/**
 * The bytes of a 32-bit word (XORed with 0x30 in each byte) that are not ASCII digits: 0x80 in
 * each such byte, 0 in the others. No carry crosses a byte (SWAR).
 */
function notDigitBytes(values: number): number {
  // A byte is a digit when its value is 0..9: bit 7 clear, and adding 0x76 to the low 7 bits stays below 0x80.
  return (((values & 0x7f7f7f7f) + 0x76767676) | values) & 0x80808080;
}

/** The four digit values in a word's bytes (the first, most significant, in the low byte) as one number. */
function wordValue(values: number): number {
  const pairs = (values * 10 + (values >>> 8)) & 0x00ff00ff; // d0d1 in byte 0, d2d3 in byte 2
  return (pairs * 100 + (pairs >>> 16)) & 0xffff;
}
