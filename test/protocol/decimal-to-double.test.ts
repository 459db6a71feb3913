// decimalToDouble (and readNumberArray, which uses it for 16–20 digit numbers) must round exactly
// as JSON.parse does, bit for bit, and hand over what it cannot decide instead of guessing.
import { describe, expect, it } from 'vitest';
import { MAX_EXPONENT, MIN_EXPONENT, UNDECIDED, decimalToDouble } from '../../src/protocol/decimal-to-double.js';
import { readNumberArray } from '../../src/protocol/number-array-bytes.js';
import { seededRandom, type Random } from '../helpers/random.js';

function digitString(next: Random, count: number): string {
  let digits = String(1 + Math.floor(next() * 9));
  for (let k = 1; k < count; k++) digits += String(Math.floor(next() * 10));
  return digits;
}

/** Numbers as text: shortest round-trip doubles, and random 16–20 digit decimals anywhere in range. */
function numberTexts(next: Random, count: number): string[] {
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const pick = next();
    if (pick < 0.4) {
      texts.push(String((next() - 0.5) * 10 ** Math.floor(next() * 80 - 40)));
    } else {
      const digits = digitString(next, 16 + Math.floor(next() * 5));
      const exponent = Math.floor(next() * (MAX_EXPONENT - MIN_EXPONENT)) + MIN_EXPONENT;
      texts.push(pick < 0.7 ? `${digits}e${exponent}` : `-${digits.slice(0, 1)}.${digits.slice(1)}e${exponent - digits.length + 1}`);
    }
  }
  return texts;
}

describe('decimalToDouble', () => {
  it('rounds 60,000 numbers of 16–20 digits exactly as JSON.parse', () => {
    const texts = numberTexts(seededRandom(21), 60_000);
    const read = readNumberArray(Buffer.from(`[${texts.join(',')}]`), 0);
    expect(read).not.toBeNull();
    const mismatches = texts.filter((text, i) => !Object.is(read!.values[i], JSON.parse(text)));
    expect(mismatches).toEqual([]);
  });

  it('decides ordinary full-precision numbers itself', () => {
    // 0.8414709848078965 = 8414709848078965 × 10^-16; 123456789012345678 = 1234567890123456 × 10^2 + 78
    expect(decimalToDouble(8414709848078965, 0, 0, -16)).toBe(0.8414709848078965);
    expect(decimalToDouble(1234567890123456, 2, 78, 0)).toBe(123456789012345678);
    expect(decimalToDouble(1234567890123456, 2, 78, -120)).toBe(1.23456789012345678e-103);
  });

  it('hands exact midpoints between two doubles back undecided (JSON.parse rounds them to even)', () => {
    // 2^53 + 1 and 2^54 + 2 lie exactly halfway between two doubles.
    expect(decimalToDouble(900719925474099, 1, 3, 0)).toBe(UNDECIDED);
    expect(decimalToDouble(1801439850948198, 1, 6, 0)).toBe(UNDECIDED);
    const read = readNumberArray(Buffer.from('[9007199254740993, 18014398509481986, 9007199254740995]'), 0);
    expect(Array.from(read!.values)).toEqual([9007199254740992, 18014398509481984, 9007199254740996]);
  });
});
