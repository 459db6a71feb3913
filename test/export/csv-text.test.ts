/** The CSV export's field text: floats exactly as the TOML writes them, RFC 4180 quoting. */
import { describe, expect, it } from 'vitest';
import { tomlFloat } from '../../src/protocol/output/toml-values.js';
import { csvField, writeFloat, writeIndex } from '../../src/protocol/run-file/csv-text.js';

const out = new Uint8Array(64);
const text = (end: number) => Buffer.from(out.subarray(0, end)).toString('latin1');

describe('csv text', () => {
  it('writes every double as tomlFloat does (random bit patterns, integers, the corners)', () => {
    const bits = new BigUint64Array(1);
    const doubles = new Float64Array(bits.buffer);
    const values = [
      NaN,
      Infinity,
      -Infinity,
      0,
      -0,
      5e-324,
      -5e-324,
      Number.MAX_VALUE,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53 - 1),
      1e21,
      1e-7,
      123,
    ];
    for (let i = 0; i < 100_000; i++) {
      bits[0] = BigInt.asUintN(64, (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32)));
      values.push(doubles[0]!, Math.round(doubles[0]! % 1e6), Math.random());
    }
    const wrong = values.filter((x) => text(writeFloat(x, out, 0)) !== tomlFloat(x));
    expect(wrong.map((x) => [tomlFloat(x), text(writeFloat(x, out, 0))])).toEqual([]);
  });

  it('writes indices as their digits', () => {
    for (const n of [0, 7, 10, 99, 100, 123456789, Number.MAX_SAFE_INTEGER]) expect(text(writeIndex(n, out, 0))).toBe(String(n));
  });

  it('quotes only fields that need it, doubling quotes', () => {
    expect(csvField('trace (V)')).toBe('trace (V)');
    expect(csvField('a,"b"\nc')).toBe('"a,""b""\nc"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('')).toBe('');
  });
});
