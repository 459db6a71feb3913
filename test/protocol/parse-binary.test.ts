// The binary trace form of `data` (SPEC §12): {"f64": base64 LE float64, "shape": [n] | [rows, cols]}.
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/protocol/parse.js';
import type { ChannelData } from '../../src/protocol/messages.js';

function base64Of(values: number[]): string {
  const buffer = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) buffer.writeDoubleLE(v, i * 8);
  return buffer.toString('base64');
}

function deviceLine(data: unknown): string {
  return JSON.stringify({ device_name: 'd', device_config: {}, measurements: { trace: { data, unit: 'V' } } });
}

function parseData(data: unknown): ChannelData {
  const parsed = parseLine(deviceLine(data));
  if (parsed.kind !== 'device') throw new Error(`expected device, got ${JSON.stringify(parsed)}`);
  return parsed.message.channels[0]!.data;
}

function reasonFor(data: unknown): string {
  const parsed = parseLine(deviceLine(data));
  if (parsed.kind !== 'invalid') throw new Error(`expected invalid, got ${parsed.kind}`);
  return parsed.reason;
}

describe('binary trace: good', () => {
  it('shape [n] is Single, bit-exact including NaN and ±Inf', () => {
    const values = [1.5, -0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308];
    const data = parseData({ f64: base64Of(values), shape: [values.length] });
    if (data.shape !== 'single') throw new Error('expected single');
    expect(Array.from(data.values)).toEqual(values);
    expect(Object.is(data.values[1], -0)).toBe(true);
  });

  it('shape [rows, cols] is Multi, row-major, rows sharing one buffer', () => {
    const data = parseData({ f64: base64Of([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    if (data.shape !== 'multi') throw new Error('expected multi');
    expect(data.rows.map((r) => Array.from(r))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(data.rows[0]!.buffer).toBe(data.rows[1]!.buffer);
  });

  it('accepts unpadded base64 and empty traces', () => {
    const padded = base64Of([1, 2]); // 16 bytes → 24 chars, one '=' of padding
    expect(padded.endsWith('=')).toBe(true);
    expect(parseData({ f64: padded.replace(/=+$/, ''), shape: [2] })).toEqual({ shape: 'single', values: new Float64Array([1, 2]) });
    expect(parseData({ f64: '', shape: [0] })).toEqual({ shape: 'single', values: new Float64Array(0) });
    expect(parseData({ f64: '', shape: [3, 0] })).toEqual({
      shape: 'multi',
      rows: [new Float64Array(0), new Float64Array(0), new Float64Array(0)],
    });
  });

  it('ignores unknown keys in the binary object', () => {
    expect(parseData({ f64: base64Of([7]), shape: [1], dtype: 'f64' })).toEqual({ shape: 'single', values: new Float64Array([7]) });
  });

  it('is stored exactly like the JSON-array form', () => {
    const values = [0.1, 0.2, 0.3, 0.4];
    expect(parseData({ f64: base64Of(values), shape: [2, 2] })).toEqual(
      parseData([
        [0.1, 0.2],
        [0.3, 0.4],
      ]),
    );
    expect(parseData({ f64: base64Of(values), shape: [4] })).toEqual(parseData(values));
  });
});

describe('binary trace: bad, each with a reason', () => {
  const two = base64Of([1, 2]);

  it.each([
    ['f64 missing', { shape: [2] }, /data\.f64: expected a base64 string, got nothing/],
    ['f64 not a string', { f64: [1, 2], shape: [2] }, /data\.f64: expected a base64 string, got array/],
    ['bad base64 characters', { f64: `!!!!${two.slice(4)}`, shape: [2] }, /data\.f64: not valid base64/],
    ['url-safe alphabet', { f64: '-_AAAAAAAAAAAAAAAAAAAA', shape: [2] }, /not valid base64/],
    ['embedded whitespace', { f64: `${two.slice(0, 8)} ${two.slice(9)}`, shape: [2] }, /not valid base64/],
    ['impossible length', { f64: 'AAAAA', shape: [0] }, /not valid base64/],
    ['padding in the middle', { f64: 'AA==AAAA', shape: [0] }, /not valid base64/],
    // The length alone would fit the shape: the decoding itself must find these.
    [
      'padding in the middle, the length right for the shape',
      { f64: `${two.slice(0, 4)}==${two.slice(6)}`, shape: [2] },
      /not valid base64/,
    ],
    ['one url-safe character, the length right', { f64: `${two.slice(0, 3)}-${two.slice(4)}`, shape: [2] }, /not valid base64/],
    ['one non-ASCII character, the length right', { f64: `${two.slice(0, 5)}é${two.slice(6)}`, shape: [2] }, /not valid base64/],
    ['bad characters and a wrong length: the characters are named first', { f64: `*${two}`.slice(0, 24), shape: [3] }, /not valid base64/],
    ['too few bytes for the shape', { f64: two, shape: [3] }, /holds 16 bytes but shape \[3\] needs 24/],
    ['too many bytes for the shape', { f64: two, shape: [1, 1] }, /holds 16 bytes but shape \[1, 1\] needs 8/],
    ['bytes not a multiple of 8', { f64: Buffer.alloc(12).toString('base64'), shape: [1] }, /holds 12 bytes/],
    ['shape missing', { f64: two }, /data\.shape: expected \[n\] or \[rows, cols\], got nothing/],
    ['shape empty', { f64: two, shape: [] }, /data\.shape: expected \[n\] or \[rows, cols\]/],
    ['shape of three dimensions', { f64: two, shape: [1, 1, 2] }, /data\.shape: expected \[n\] or \[rows, cols\]/],
    ['negative size', { f64: two, shape: [-2] }, /data\.shape\[0\]: expected a non-negative integer/],
    ['fractional size', { f64: two, shape: [2, 0.5] }, /data\.shape\[1\]: expected a non-negative integer/],
    ['string size', { f64: two, shape: ['2'] }, /data\.shape\[0\]: expected a non-negative integer/],
    ['absurd size', { f64: two, shape: [2 ** 40, 2 ** 40] }, /data\.shape: too many values/],
  ])('%s', (_what, data, reason) => {
    expect(reasonFor(data)).toMatch(reason);
  });
});
