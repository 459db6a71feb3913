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

/** Returned when the rounding cannot be decided here. */
export const UNDECIDED = Number.NaN;

/** Decimal exponents with a double-double power of ten (wider than lab data needs). */
export const MIN_EXPONENT = -120;
export const MAX_EXPONENT = 120;

/** Veltkamp's split constant, 2^27 + 1: a double splits into two 26-bit halves. */
const SPLITTER = 134217729;
/** The bound on the result's relative error used for the rounding decision (true bound ≈ 2^-101). */
const ERROR_BOUND = 2 ** -96;
const POWERS_OF_TEN_EXACT = [1, 10, 100, 1000, 10000];

/** 10^e ≈ HIGH[i] + LOW[i] for e = MIN_EXPONENT + i; HIGH is also kept split for Dekker. */
const POWER_HIGH = new Float64Array(MAX_EXPONENT - MIN_EXPONENT + 1);
const POWER_LOW = new Float64Array(POWER_HIGH.length);
const POWER_HIGH_UPPER = new Float64Array(POWER_HIGH.length);
const POWER_HIGH_LOWER = new Float64Array(POWER_HIGH.length);
fillPowerTable();

/**
 * `(high × 10^lowDigits + low) × 10^exponent`, correctly rounded, or UNDECIDED.
 * Requires: `high` an integer below 2^53, `low` an integer below 10^lowDigits, lowDigits ≤ 4,
 * MIN_EXPONENT ≤ exponent ≤ MAX_EXPONENT.
 */
export function decimalToDouble(high: number, lowDigits: number, low: number, exponent: number): number {
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
  if (wHigh === 0) return 0;
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
  if (rounded + (remainder - slack) !== rounded || rounded + (remainder + slack) !== rounded) return UNDECIDED;
  return rounded;
}

function split(value: number): number {
  const scaled = SPLITTER * value;
  return scaled - (scaled - value);
}

/** The rounding error of `product = a × b` (exact: product + error = a × b). */
function twoProductError(a: number, b: number, product: number): number {
  const aUpper = split(a);
  const aLower = a - aUpper;
  const bUpper = split(b);
  const bLower = b - bUpper;
  return aUpper * bUpper - product + aUpper * bLower + aLower * bUpper + aLower * bLower;
}

/** The rounding error of `sum = a + b` (exact: sum + error = a + b). */
function twoSumError(a: number, b: number, sum: number): number {
  const bVirtual = sum - a;
  const aVirtual = sum - bVirtual;
  return a - aVirtual + (b - bVirtual);
}

/**
 * HIGH = 10^e correctly rounded (`Number('1e' + e)`, exact by the language's rules for one
 * digit); LOW = 10^e − HIGH, computed exactly with BigInt and rounded.
 */
function fillPowerTable(): void {
  const bits = new BigUint64Array(1);
  const asDouble = new Float64Array(bits.buffer);
  for (let e = MIN_EXPONENT; e <= MAX_EXPONENT; e++) {
    const i = e - MIN_EXPONENT;
    const high = Number(`1e${e}`);
    asDouble[0] = high;
    const exponentBits = Number((bits[0]! >> 52n) & 0x7ffn);
    const mantissa = (bits[0]! & ((1n << 52n) - 1n)) | (1n << 52n); // every entry is a normal number
    const binaryExponent = exponentBits - 1075; // high = mantissa × 2^binaryExponent
    // 10^e − high = numerator / denominator, exactly.
    const tenPower = 10n ** BigInt(Math.abs(e));
    let numerator: bigint;
    let denominator: bigint;
    if (e >= 0) {
      numerator = binaryExponent >= 0 ? tenPower - (mantissa << BigInt(binaryExponent)) : (tenPower << BigInt(-binaryExponent)) - mantissa;
      denominator = binaryExponent >= 0 ? 1n : 1n << BigInt(-binaryExponent);
    } else {
      // 10^e = 1 / tenPower, and binaryExponent < 0 here.
      numerator = (1n << BigInt(-binaryExponent)) - mantissa * tenPower;
      denominator = tenPower << BigInt(-binaryExponent);
    }
    // Scaled so the integer quotient keeps far more than 53 bits, then scaled back exactly.
    const shift = 160 + 4 * Math.abs(e);
    POWER_LOW[i] = Number((numerator << BigInt(shift)) / denominator) * 2 ** -shift;
    POWER_HIGH[i] = high;
    POWER_HIGH_UPPER[i] = split(high);
    POWER_HIGH_LOWER[i] = high - POWER_HIGH_UPPER[i]!;
  }
}
