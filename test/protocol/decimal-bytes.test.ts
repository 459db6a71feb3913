// The byte readers of numbers: WebAssembly (number-reader-wasm/) and JavaScript (decimal-bytes.ts,
// for `node --jitless`). The JavaScript one reads fraction digits a 32-bit word at a time, the
// last 1–3 of a number from a word that also holds what follows it. Every value must be exactly
// JSON.parse's, and everything JSON.parse rejects must be rejected, by each reader.
import { describe, expect, it } from 'vitest';
import { type PieceReader, readNumberArray, readPieceFast, readPieceNumberByNumber } from '../../src/protocol/number-array-bytes.js';
import { seededRandom } from '../helpers/random.js';

describe.each([
  ['WebAssembly', readPieceFast],
  ['JavaScript', readPieceNumberByNumber],
] as [string, PieceReader][])('numbers read from bytes (%s)', (_name, readPiece) => {
  /** readNumberArray's values for `[texts]` (with `separator`), padded by `tail` after the `]`. */
  function read(texts: string[], separator = ',', tail = ''): number[] | null {
    const result = readNumberArray(Buffer.from(`[${texts.join(separator)}]${tail}`), 0, undefined, readPiece);
    return result === null ? null : Array.from(result.values);
  }

  function expectAsJsonParse(texts: string[], separator = ','): void {
    const values = read(texts, separator);
    expect(values).not.toBeNull();
    const mismatches = texts.filter((text, i) => !Object.is(values![i], JSON.parse(text)));
    expect(mismatches).toEqual([]);
  }

  /** How many numbers the reader itself decides in `texts` as one piece (-1: it leaves them to JSON.parse). */
  function decided(texts: string[]): number {
    const bytes = Buffer.from(`${texts.join(', ')}]`);
    return readPiece(bytes, 0, bytes.length - 1, new Float64Array(texts.length), 0);
  }

  it('reads fractions of every length 1–25, ending at every byte of a word, as JSON.parse', () => {
    const next = seededRandom(7);
    const texts: string[] = [];
    for (let length = 1; length <= 25; length++) {
      for (let k = 0; k < 40; k++) {
        let fraction = '';
        for (let d = 0; d < length; d++) fraction += String(Math.floor(next() * 10));
        const whole = ['0', '7', '12', '-0', '-3', '123456789'][k % 6]!;
        texts.push(`${whole}.${fraction}${k % 5 === 4 ? `e${Math.floor(next() * 40) - 20}` : ''}`);
      }
    }
    expectAsJsonParse(texts);
    expectAsJsonParse(texts, ', ');
    // Up to 19 significant digits the reader decides them itself: JSON.parse is not what passed.
    const short = texts.filter((text) => text.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length <= 19);
    expect(short.length).toBeGreaterThan(600);
    expect(decided(short)).toBe(short.length);
    // Each number last, so that its word would reach past the bytes: read a byte at a time there.
    for (const text of texts.slice(0, 200)) expect(Object.is(read([text])![0], JSON.parse(text))).toBe(true);
  });

  it('reads the edge cases as JSON.parse: signs, exponents, 17+ digits, subnormals, -0, beyond 2^53', () => {
    expectAsJsonParse([
      '-0',
      '-0.0',
      '0.0000',
      '-0.00000000000000000000001',
      '1e-320',
      '4.9406564584124654e-324',
      '2.2250738585072011e-308',
      '2.2250738585072014e-308',
      '1.7976931348623157e308',
      '9007199254740993',
      '9007199254740992.5',
      '18014398509481986',
      '123456789012345678901234',
      '0.12345678901234567890123',
      '0.30000000000000004',
      '-0.0005714025946899136',
      '0.1e1',
      '5E+3',
      '5e-0',
      '1.5e22',
      '1.5e23',
      '0.9999999999999999999',
      '8.888888888888888888e-5',
    ]);
  });

  it('reads spaces and tabs around the numbers', () => {
    expect(read(['1.25 ', '\t-0.5', '  3.0625\t'], ',')).toEqual([1.25, -0.5, 3.0625]);
    expect(read(['0.1234', '0.5678'], ' ,\t ')).toEqual([0.1234, 0.5678]);
  });

  it('rejects what JSON.parse rejects, wherever the number ends in its word', () => {
    for (const bad of ['1.', '-1.e5', '01.5', '.5', '-', '1.2.3', '0.12a4', '1.5e', '0x10', '+1.5', '1.23456789_0']) {
      expect(read([bad]), bad).toBeNull();
      expect(read(['0.5', bad, '0.25'], ', ', '        '), bad).toBeNull();
    }
  });

  it('agrees with JSON.parse on 20,000 random arrays of number-like bytes: the same values, or refused', () => {
    const next = seededRandom(1818);
    const alphabet = '0123456789000111.eE+-, \t\n';
    const disagreements: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const length = 1 + Math.floor(next() * 40);
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(next() * alphabet.length)];
      let expected: number[] | null;
      try {
        expected = JSON.parse(`[${text}]`) as number[];
      } catch {
        expected = null;
      }
      const got = read([text]);
      const same =
        expected === null
          ? got === null
          : got !== null && got.length === expected.length && got.every((v, k) => Object.is(v, expected![k]));
      if (!same) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
  });
});
