/**
 * A double's shortest round-trip text, written as ASCII bytes: exactly what `String(x)` gives
 * (ECMAScript's Number::toString: the fewest digits that read back as x, the closest of them to
 * x), 2.5–4 times as fast (bench/format-floats.mjs). V8's conversion took 270–330 ns a value
 * here, most of the time of writing a big run's final file (issue #6).
 *
 * How: |x| × 10^p, with p chosen so the result has 17 integer digits, is computed as a
 * double-double (Dekker's exact product with a ~106-bit power of ten): known to within ~10^-13 of
 * a unit. Rounded to 15, 16 and 17 digits, the first candidate within half an ulp of x — x's
 * rounding interval, also scaled — is the answer: the closest candidate of a length is the only
 * one that can read back, because the interval is symmetric around x. The cases this does not
 * decide go back to the caller (-1), which writes `String(x)`:
 * - a distance within 10^-7 of a unit of the interval's edge, or of a tie between two candidates;
 * - x a power of two (its interval is narrower below), subnormal, or outside 10^±100;
 * - x integral (written elsewhere, with the `.0` TOML needs).
 */
import { MAX_EXPONENT, MIN_EXPONENT, POWER_HIGH, POWER_HIGH_LOWER, POWER_HIGH_UPPER, POWER_LOW, split } from '../powers-of-ten.js';

/** Generous against the ~10^-13 error of the scaled value: undecided cases stay ~1 in 10^7. */
const MARGIN = 1e-7;
const DIGIT_0 = 48;
const LOG10_2 = 0.3010299956639812;

/** Half an ulp of a normal double, by its biased exponent. */
const HALF_ULP = new Float64Array(2047).map((_, biased) => 2 ** (biased - 1076));

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer); // words[1]: sign, exponent and the top of the mantissa (little-endian)
const digits = new Uint8Array(17);
const TENS = new Uint8Array(100).map((_, pair) => Math.floor(pair / 10));
const ONES = new Uint8Array(100).map((_, pair) => pair % 10);

/**
 * Writes the shortest text of `x` to `out` from `pos` and returns the end, or -1 when this case
 * is left to `String(x)` (see above: non-finite and integral values are always left). `out` must
 * have room for 24 bytes.
 */
export function writeShortestDouble(x: number, out: Uint8Array, pos: number): number {
  const magnitude = x < 0 ? -x : x;
  if (!(magnitude < 1e100 && magnitude > 1e-100) || Math.floor(magnitude) === magnitude) return -1;
  bits[0] = magnitude;
  const high = words[1]!;
  if ((high & 0xfffff) === 0 && words[0] === 0) return -1; // a power of two
  const halfUlp = HALF_ULP[high >>> 20]!;

  // scaled = magnitude × 10^power ∈ [10^16, 10^17): 17 digits before the point.
  // ⌊log10 |x|⌋ from the binary exponent: ⌊e₂·log10 2⌋ or one more.
  let exponent10 = Math.floor(((high >>> 20) - 1023) * LOG10_2);
  if (magnitude >= POWER_HIGH[exponent10 + 1 - MIN_EXPONENT]!) exponent10++;
  let power = 16 - exponent10;
  let index = power - MIN_EXPONENT;
  let scaledHigh = magnitude * POWER_HIGH[index]!;
  if (scaledHigh < 1e16 || scaledHigh >= 1e17) {
    // The estimate was off by one next to a power of ten.
    exponent10 += scaledHigh < 1e16 ? -1 : 1;
    power = 16 - exponent10;
    index = power - MIN_EXPONENT;
    if (power < MIN_EXPONENT || power > MAX_EXPONENT) return -1;
    scaledHigh = magnitude * POWER_HIGH[index]!;
    if (scaledHigh < 1e16 || scaledHigh >= 1e17) return -1;
  }
  // scaledHigh is an integer (≥ 2^53); scaledLow holds its exact error and the power's low part.
  const upper = split(magnitude);
  const lower = magnitude - upper;
  const powerUpper = POWER_HIGH_UPPER[index]!;
  const powerLower = POWER_HIGH_LOWER[index]!;
  const scaledLow =
    upper * powerUpper - scaledHigh + upper * powerLower + lower * powerUpper + lower * powerLower + magnitude * POWER_LOW[index]!;
  // Half an ulp of x, in the same units: a power of two times the power of ten, exact enough.
  const reach = halfUlp * POWER_HIGH[index]!;

  // scaledHigh = top × 10^8 + bottom, exactly (top × 10^8 is exact: top < 2^30).
  let top = Math.floor(scaledHigh * 1e-8);
  let bottom = scaledHigh - top * 1e8;
  if (bottom < 0) {
    top--;
    bottom += 1e8;
  } else if (bottom >= 1e8) {
    top++;
    bottom -= 1e8;
  }

  // Candidates of 15, 16 and 17 digits: the nearest multiple of 100, 10 or 1 to the scaled value.
  const rest = bottom | 0;
  let candidateBottom = rest - (rest % 100);
  let steps = candidateSteps((rest % 100) + scaledLow, 100, 0.01, reach);
  if (steps === FAR) {
    candidateBottom = rest - (rest % 10);
    steps = candidateSteps((rest % 10) + scaledLow, 10, 0.1, reach);
    if (steps === FAR) {
      candidateBottom = rest;
      steps = candidateSteps(scaledLow, 1, 1, reach); // 17 digits always reach
    }
  }
  if (Number.isNaN(steps) || steps === FAR) return -1;
  candidateBottom += steps;
  if (candidateBottom < 0) {
    candidateBottom += 1e8;
    top--;
    if (top < 1e8) return -1; // below 10^16: the scaled value sat on the lower end
  } else if (candidateBottom >= 1e8) {
    candidateBottom -= 1e8;
    top++;
    if (top === 1e9) {
      top = 1e8; // rounded up to 10^17
      exponent10++;
    }
  }

  // The 17 digits, then the shortest: without trailing zeros.
  writeDigitPairs(top | 0, 9, 0);
  writeDigitPairs(candidateBottom | 0, 8, 9);
  let count = 17;
  while (digits[count - 1] === 0) count--;
  return layOut(x < 0, count, exponent10 + 1, out, pos);
}

/**
 * The `count` decimal digits of `value` (zero-padded) as digits[start…], two at a time. Int32
 * division by a constant, which V8 turns into a multiplication.
 */
function writeDigitPairs(value: number, count: number, start: number): void {
  let i = start + count;
  while (i - start >= 2) {
    const rest = (value / 100) | 0;
    const pair = value - rest * 100;
    digits[--i] = ONES[pair]!;
    digits[--i] = TENS[pair]!;
    value = rest;
  }
  if (i > start) digits[start] = value;
}

/** What {@link candidateSteps} returns when the candidate does not read back. */
const FAR = Infinity;

/**
 * How far (a multiple of `unit`, may be negative) from the last multiple of `unit` below the scaled
 * value its nearest multiple lies, when that candidate reads back as x: `offset` is the scaled
 * value's distance from that multiple, `perUnit` 1 / unit, `reach` half an ulp of x. FAR when it does not read back,
 * NaN when the margin does not decide (a tie between two candidates, or on the interval's edge).
 */
function candidateSteps(offset: number, unit: number, perUnit: number, reach: number): number {
  // offset × perUnit is a hair off offset / unit at worst: a wrong step lands on the tie check.
  const steps = Math.round(offset * perUnit) * unit;
  const distance = Math.abs(offset - steps);
  if (Math.abs(distance - unit / 2) < MARGIN) return Number.NaN;
  if (distance < reach - MARGIN) return steps;
  return distance > reach + MARGIN ? FAR : Number.NaN;
}

/**
 * The digits d₁…d_count × 10^(point − count) laid out as Number::toString does: plain up to 21
 * integer digits and down to 10^-6, else `d.ddde±n`.
 */
function layOut(negative: boolean, count: number, point: number, out: Uint8Array, pos: number): number {
  if (negative) out[pos++] = 45; // -
  if (point > 21 || point <= -6) {
    out[pos++] = DIGIT_0 + digits[0]!;
    if (count > 1) {
      out[pos++] = 46; // .
      for (let i = 1; i < count; i++) out[pos++] = DIGIT_0 + digits[i]!;
    }
    out[pos++] = 101; // e
    let exponent = point - 1;
    out[pos++] = exponent < 0 ? 45 : 43;
    if (exponent < 0) exponent = -exponent;
    if (exponent >= 100) out[pos++] = DIGIT_0 + Math.floor(exponent / 100);
    if (exponent >= 10) out[pos++] = DIGIT_0 + (Math.floor(exponent / 10) % 10);
    out[pos++] = DIGIT_0 + (exponent % 10);
  } else if (point <= 0) {
    out[pos++] = DIGIT_0;
    out[pos++] = 46;
    for (let i = point; i < 0; i++) out[pos++] = DIGIT_0;
    for (let i = 0; i < count; i++) out[pos++] = DIGIT_0 + digits[i]!;
  } else {
    for (let i = 0; i < count; i++) {
      if (i === point) out[pos++] = 46;
      out[pos++] = DIGIT_0 + digits[i]!;
    }
    for (let i = count; i < point; i++) out[pos++] = DIGIT_0;
  }
  return pos;
}
