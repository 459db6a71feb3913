// The index's array counter (toml-array-counter.ts) with its runs counted by WebAssembly gives
// the JavaScript loop's counts exactly, on any bytes and however the feeds cut them, and agrees
// with smol-toml on real arrays.
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { ArrayCounter } from '../../../src/protocol/run-file/toml-array-counter.js';
import { seededRandom } from '../../helpers/random.js';

/** Counts the array that opens before `text` (its `[` already taken), fed `feedBytes` at a time. */
function count(text: string, wasm: boolean, feedBytes: number) {
  const bytes = Buffer.from(text);
  const counter = new ArrayCounter(wasm);
  let carried = Buffer.alloc(0);
  let taken = 0;
  for (let at = 0; at < bytes.length && !counter.done; at += feedBytes) {
    const piece = Buffer.concat([carried, bytes.subarray(at, at + feedBytes)]);
    const next = counter.feed(piece, 0, piece.length);
    const used = Math.max(next, 0); // -1: the piece ends inside a token, fed again with more
    taken += used;
    carried = Buffer.from(piece.subarray(used));
  }
  return { ...counter.count, done: counter.done, end: taken };
}

const ALPHABET = ['1', '2', '.', 'e', '-', '+', 'x', ' ', '\t', '\n', '\r', ',', ',', ',', '[', ']', '#', '"', "'", '{', '}', '\\', 'é'];

describe('the array counter', () => {
  it('counts as the JavaScript loop does on any bytes, with WebAssembly counting the runs', () => {
    const next = seededRandom(19);
    for (let round = 0; round < 300; round++) {
      // Mostly numbers, blanks and commas (the runs), with the other bytes now and then.
      const parts: string[] = [];
      const length = 200 + Math.floor(next() * 3000);
      while (parts.join('').length < length) {
        parts.push(
          next() < 0.85 ? `${(next() * 1e6).toFixed(3)},${next() < 0.5 ? '\n    ' : ' '}` : ALPHABET[Math.floor(next() * ALPHABET.length)]!,
        );
      }
      const text = `${parts.join('')}]]]]]]`;
      const want = count(text, false, text.length);
      for (const feedBytes of [text.length, 1000, 300, 17])
        expect(count(text, true, feedBytes), `round ${round}, feeds of ${feedBytes}`).toEqual(want);
    }
  });

  it("counts rex's arrays (a value on each line) as smol-toml reads them", () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `    ${(Math.sin(i) * 10 ** ((i % 40) - 20)).toExponential()},\n`);
    const rows = Array.from({ length: 30 }, (_, r) => `    [\n${values.slice(r * 500, r * 500 + 100 + r).join('')}    ],\n`);
    for (const text of [`${values.join('')}]`, `${rows.join('')}]`, '1.5, 2.5 ,3.5]']) {
      const parsed = parse(`data = [${text}`).data as unknown[];
      const rowLengths = parsed.filter(Array.isArray).map((row) => row.length);
      for (const feedBytes of [1 << 20, 4096, 7]) {
        const counted = count(text, true, feedBytes);
        expect(counted.done).toBe(true);
        expect(counted.end).toBe(Buffer.byteLength(text));
        expect(counted.elements).toBe(parsed.length);
        expect(counted.rows).toBe(rowLengths.length);
        expect(counted.rowValues).toBe(rowLengths.reduce((a, b) => a + b, 0));
        expect([counted.minRow, counted.maxRow]).toEqual(rowLengths.length ? [Math.min(...rowLengths), Math.max(...rowLengths)] : [0, 0]);
      }
    }
  });
});
