/**
 * `w × 10^e` as the correctly rounded double, for decimal significands of up to 20 digits: what
 * `JSON.parse` gives, several times faster for the 16–17 digit numbers Python writes for a
 * full-precision double (issue #6: their `JSON.parse` was the ingest thread's largest cost).
 *
 * How: the significand is split into two exact doubles (`high × 10^k + low`), multiplied by
 * 10^e held as a double-double (two doubles, ~106 bits), with Dekker's exact products. The
 * result is known to within 2^-100 of the true value. That decides the rounding unless the true
 * value lies that close to the midpoint between two doubles; then UNDECIDED is returned and the
 * caller asks `JSON.parse` (a number needs more than 20 digits to be that close, except exact
 * midpoints such as 2^53 + 1, which take that way).
 */

import {
  MAX_EXPONENT,
  MIN_EXPONENT,
  POWER_HIGH,
  POWER_HIGH_LOWER,
  POWER_HIGH_UPPER,
  POWER_LOW,
  split,
  twoProductError,
} from './powers-of-ten.js';

export { MAX_EXPONENT, MIN_EXPONENT };

/** Returned when the rounding cannot be decided here. */
export const UNDECIDED = Number.NaN;

/** The bound on the result's relative error used for the rounding decision (true bound ≈ 2^-101). */
const ERROR_BOUND = 2 ** -96;
const POWERS_OF_TEN_EXACT = [1, 10, 100, 1000, 10000];

const ONE = new Float64Array(1);

/**
 * `(high × 10^lowDigits + low) × 10^exponent`, correctly rounded, or UNDECIDED.
 * Requires: `high` an integer below 2^53, `low` an integer below 10^lowDigits, lowDigits ≤ 4,
 * MIN_EXPONENT ≤ exponent ≤ MAX_EXPONENT.
 */
export function decimalToDouble(high: number, lowDigits: number, low: number, exponent: number): number {
  ONE[0] = high;
  return decimalToDoubleAt(ONE, 0, lowDigits, low, exponent) ? ONE[0]! : UNDECIDED;
}

/**
 * {@link decimalToDouble} with `high` read from `values[index]` and the result written there;
 * false when UNDECIDED. For the byte readers: a double passed to or returned from a call V8 does
 * not inline is boxed, 16 bytes of garbage per number (issue 18).
 */
export function decimalToDoubleAt(values: Float64Array, index: number, lowDigits: number, low: number, exponent: number): boolean {
  const high = values[index]!;
  // The significand as wHigh + wLow, exactly.
  let wHigh = high;
  let wLow = 0;
  if (lowDigits > 0) {
    const scale = POWERS_OF_TEN_EXACT[lowDigits]!;
    const product = high * scale;
    const productError = twoProductError(high, scale, product);
    const sum = product + low;
    const sumError = twoSumError(product, low, sum);
    wHigh = sum;
    wLow = sumError + productError;
  }
  if (wHigh === 0) {
    values[index] = 0;
    return true;
  }
  const i = exponent - MIN_EXPONENT;
  const pHigh = POWER_HIGH[i]!;
  // wHigh × pHigh exactly (Dekker), with pHigh's split precomputed.
  const h = wHigh * pHigh;
  const wUpper = split(wHigh);
  const wLower = wHigh - wUpper;
  const pUpper = POWER_HIGH_UPPER[i]!;
  const pLower = POWER_HIGH_LOWER[i]!;
  const hError = wUpper * pUpper - h + wUpper * pLower + wLower * pUpper + wLower * pLower;
  const rest = hError + (wHigh * POWER_LOW[i]! + wLow * pHigh);
  const rounded = h + rest;
  const remainder = rest - (rounded - h);
  // `rounded` is right when the whole interval the true value may lie in rounds to it.
  const slack = ERROR_BOUND * Math.abs(rounded);
  if (rounded + (remainder - slack) !== rounded || rounded + (remainder + slack) !== rounded) return false;
  values[index] = rounded;
  return true;
}

/** The rounding error of `sum = a + b` (exact: sum + error = a + b). */
function twoSumError(a: number, b: number, sum: number): number {
  const bVirtual = sum - a;
  const aVirtual = sum - bVirtual;
  return a - aVirtual + (b - bVirtual);
}
