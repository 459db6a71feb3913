/**
 * Powers of ten as double-doubles (two doubles, ~106 bits) and Dekker's exact product: what
 * reading decimals (`decimal-to-double.ts`) and writing them (`output/shortest-double.ts`)
 * both need to stay exact without BigInt in the hot path.
 */

/** Decimal exponents with a double-double power of ten (wider than lab data needs). */
export const MIN_EXPONENT = -120;
export const MAX_EXPONENT = 120;

/** Veltkamp's split constant, 2^27 + 1: a double splits into two 26-bit halves. */
const SPLITTER = 134217729;

/** 10^e ≈ POWER_HIGH[i] + POWER_LOW[i] for e = MIN_EXPONENT + i; HIGH is also kept split for Dekker. */
export const POWER_HIGH = new Float64Array(MAX_EXPONENT - MIN_EXPONENT + 1);
export const POWER_LOW = new Float64Array(POWER_HIGH.length);
export const POWER_HIGH_UPPER = new Float64Array(POWER_HIGH.length);
export const POWER_HIGH_LOWER = new Float64Array(POWER_HIGH.length);
fillPowerTable();

/** The upper half of `value` in Veltkamp's split (`value - split(value)` is the lower half). */
export function split(value: number): number {
  const scaled = SPLITTER * value;
  return scaled - (scaled - value);
}

/** The rounding error of `product = a × b` (exact: product + error = a × b). */
export function twoProductError(a: number, b: number, product: number): number {
  const aUpper = split(a);
  const aLower = a - aUpper;
  const bUpper = split(b);
  const bLower = b - bUpper;
  return aUpper * bUpper - product + aUpper * bLower + aLower * bUpper + aLower * bLower;
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
