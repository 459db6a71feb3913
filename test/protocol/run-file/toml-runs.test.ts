// The TOML scanner's runs of a data array's numbers, read by the WebAssembly reader at once
// (toml-scanner.ts `readRun`): every value is what smol-toml (an independent parser) reads, bit for
// bit, however the feeds cut the array, and whatever the run reader refuses is read number by
// number as before: comments, TOML's own number forms, CRLF line ends.
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { TomlScanner, type TomlHandler, type TomlScalar } from '../../../src/protocol/run-file/toml-scanner.js';
import { seededRandom } from '../../helpers/random.js';

/** What a data array read alone gives: its values (rows flattened), and the offsets they came with. */
function scanData(text: string, feedBytes: number): { values: TomlScalar[]; offsets: Set<number> } {
  const values: TomlScalar[] = [];
  const offsets = new Set<number>();
  const handler: TomlHandler = {
    table: () => {},
    key: () => {},
    arrayStart: () => false,
    arrayEnd: () => {},
    counted: () => {},
    inlineTableStart: () => {},
    inlineTableEnd: () => {},
    scalar: (value, offset) => {
      values.push(value);
      offsets.add(offset);
    },
  };
  const bytes = Buffer.from(text);
  const scanner = TomlScanner.value(handler, 0);
  // A driver as open-run-file.ts's: what a feed does not take comes back in front of the next.
  let carried = Buffer.alloc(0);
  for (let at = 0; !scanner.done; at += feedBytes) {
    const fresh = bytes.subarray(at, at + feedBytes);
    const piece = Buffer.concat([carried, fresh]);
    const taken = scanner.feed(piece, piece.length, fresh.length === 0);
    carried = Buffer.from(piece.subarray(taken));
  }
  return { values, offsets };
}

/** smol-toml's reading of the same array, flattened, as doubles. */
function smolToml(text: string): number[] {
  return (parse(`data = ${text}`, { integersAsBigInt: false }).data as unknown[]).flat(2).map(Number);
}

/** Values compared by their bits (-0 is not 0); an integer in another base comes as a bigint, as before. */
function expectBitIdentical(got: TomlScalar[], want: number[]): void {
  expect(got.length).toBe(want.length);
  const mismatches = want.flatMap((w, i) => (Object.is(Number(got[i]), w) ? [] : [`${i}: ${String(got[i])} vs ${w}`]));
  expect(mismatches.slice(0, 5)).toEqual([]);
}

/** Doubles as rex writes them (shortest text, a whole one with `.0`), over many magnitudes. */
function doubles(count: number, seed: number): string[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    // Below 2^53 (a whole double above it is written with 20 digits and more: read one by one).
    const value = i % 97 === 0 ? Math.round(next() * 1e6) : (next() - 0.5) * 10 ** (Math.floor(next() * 45) - 30);
    return Number.isInteger(value) ? value.toFixed(1) : String(value);
  });
}

/** rex's layout (and the original's): a number on each line, a comma after every one. */
const rexArray = (texts: string[]): string => `[\n${texts.map((t) => `    ${t},\n`).join('')}]`;

describe('runs of numbers in a data array', () => {
  it('read at once: the values smol-toml reads, bit for bit, however the feeds cut them', () => {
    const single = rexArray(doubles(20_000, 1));
    const rows = `[\n${[2, 3, 4].map((seed) => rexArray(doubles(4_000, seed))).join(',\n')},\n]`;
    const compact = `[${doubles(3_000, 5).join(', ')}]`; // no trailing comma, one line
    for (const text of [single, rows, compact]) {
      const want = smolToml(text);
      for (const feedBytes of [7, 4096, 65_536, 1 << 20]) {
        const { values, offsets } = scanData(text, feedBytes);
        expectBitIdentical(values, want);
        // Fed in big pieces, the numbers come in runs (one offset a run), not one by one.
        if (feedBytes >= 65_536) expect(offsets.size).toBeLessThan(want.length / 100);
      }
    }
  });

  it('what the run reader refuses is read number by number: the same values as smol-toml', () => {
    const plain = doubles(2_000, 6);
    const odd = [
      '# a comment among the values',
      '1_000.5',
      '+1.5',
      'nan',
      '-inf',
      '1e400',
      '5e-324',
      '1.2345678901234567890123',
      '0x10',
      '4503599627370496.5',
    ];
    const texts = plain.flatMap((t, i) => (i % 200 === 100 ? [odd[(i / 200) | 0]!, t] : [t]));
    const withComments = `[\n${texts.map((t) => (t.startsWith('#') ? `    ${t}\n` : `    ${t},\n`)).join('')}]`;
    const crlf = rexArray(plain).replaceAll('\n', '\r\n');
    for (const text of [withComments, crlf]) {
      const want = smolToml(text);
      for (const feedBytes of [5, 65_536]) expectBitIdentical(scanData(text, feedBytes).values, want);
    }
  });

  it('a carriage return without a line feed is still refused', () => {
    const text = rexArray(doubles(100, 7)).replace(',\n', ',\r');
    expect(() => scanData(text, 65_536)).toThrow(/carriage return without a line feed/);
  });
});
