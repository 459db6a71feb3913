// writeShortestDouble must give exactly String(x) — the digits and the layout — or hand the value
// back; formatFloats (the final file's data) must equal tomlFloat joined value by value.
import { describe, expect, it } from 'vitest';
import { writeShortestDouble } from '../../src/protocol/output/shortest-double.js';
import { formatFloats, tomlFloat } from '../../src/protocol/output/toml-values.js';
import { seededRandom, type Random } from '../helpers/random.js';

const out = new Uint8Array(32);
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** The text written, or null when the value was handed back. */
function written(x: number): string | null {
  const end = writeShortestDouble(x, out, 0);
  return end < 0 ? null : text(out.subarray(0, end));
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

function fromBits(high: number, low: number): number {
  words[1] = high;
  words[0] = low;
  return bits[0]!;
}

/** The double `steps` ulps away from x (x > 0). */
function ulpsAway(x: number, steps: number): number {
  bits[0] = x;
  const low = words[0]! + steps;
  return fromBits(words[1]! + Math.floor(low / 2 ** 32), low >>> 0);
}

/** Kinds of value a data array holds, plus the hard ones. */
function doubles(next: Random, count: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const pick = next();
    if (pick < 0.3)
      values.push(fromBits(Math.floor(next() * 2 ** 32), Math.floor(next() * 2 ** 32))); // any bits
    else if (pick < 0.5)
      values.push(Math.sin(i * 0.001) + next() * 1e-3); // a trace, full precision
    else if (pick < 0.75) {
      // Few digits: what an instrument prints (the shortest text is short)
      const digits = 1 + Math.floor(next() * 16);
      values.push(Number((next() * 10).toFixed(digits)) * 10 ** Math.floor(next() * 60 - 30));
    } else {
      // Next to a power of ten, where the digit count and the layout change
      const power = 10 ** Math.floor(next() * 44 - 22);
      values.push(ulpsAway(power, Math.floor(next() * 41) - 20) * (next() < 0.5 ? -1 : 1));
    }
  }
  return values;
}

describe('writeShortestDouble', () => {
  it('writes exactly String(x) for 400,000 doubles', () => {
    const values = doubles(seededRandom(61), 400_000);
    const mismatches: string[] = [];
    let handedBack = 0;
    for (const x of values) {
      const text = written(x);
      if (text === null) handedBack++;
      else if (text !== String(x)) mismatches.push(`${String(x)} written ${text}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // Most are compared; out-of-range bits, integral values and ties go back.
    expect(values.length - handedBack).toBeGreaterThan(200_000);
  });

  it('decides every value of an ordinary trace itself', () => {
    const next = seededRandom(5);
    let handedBack = 0;
    for (let i = 0; i < 200_000; i++) if (written(Math.sin(i * 0.001) + next() * 1e-3) === null) handedBack++;
    expect(handedBack).toBe(0);
  });

  it('hands back exact ties between two shortest candidates (V8 picks the even one)', () => {
    // 1000000000000000.5 is exactly halfway between the 16-digit 1000000000000000 and …001.
    expect(written(1000000000000000.5)).toBe(null);
    expect(written(1000000000000001.5)).toBe(null);
  });

  it('every layout: fixed, leading zeros down to 1e-6, exponents from 1e-7 and 1e21', () => {
    const cases = [0.1, -0.5e-6, 1.5e-6, 1.5e-7, 1.2345e-7, 123.456, 9.999999999999999e20, 1.5e21, 1.0000000000000002e22];
    cases.push(5e-324 * 3 ** 200, 2 / 3, -1e-99 / 3, 7.1e99 / 3, 0.30000000000000004, 1e-7 + 2e-23);
    for (const x of cases) {
      const text = written(x);
      if (text !== null) expect(text).toBe(String(x));
    }
    expect(written(0.1)).toBe('0.1');
    expect(written(1.5e-7)).toBe('1.5e-7');
    expect(written(-1.2345e-7)).toBe('-1.2345e-7');
    expect(written(1.5e21)).toBe(null); // integral: the caller adds `.0`
    expect(written(0.30000000000000004)).toBe('0.30000000000000004');
  });

  it('hands back what it does not decide: integral, powers of two, non-finite, subnormal, out of range', () => {
    for (const x of [0, -0, 1, 42, 2 ** 60, 0.5, 0.25, 2 ** -30, NaN, Infinity, -Infinity, 5e-324, 1e-200, 1e200]) {
      expect(written(x)).toBe(null);
    }
  });
});

describe('formatFloats', () => {
  it('is tomlFloat of each value joined, with every value kind and separator', () => {
    const values = Float64Array.from([...doubles(seededRandom(7), 20_000), NaN, Infinity, -Infinity, -0, 0, 3, -(2 ** 70), 0.5]);
    for (const separator of [', ', ',\n    ']) {
      expect(text(formatFloats(values, separator))).toBe(Array.from(values, tomlFloat).join(separator));
    }
    expect(text(formatFloats(new Float64Array(0), ', '))).toBe('');
  });
});
