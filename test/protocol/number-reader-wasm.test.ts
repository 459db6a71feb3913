// The WebAssembly number reader (src/protocol/number-reader-wasm/): its committed bytes are what
// its C source builds to, it reads what Python and rex write as JSON.parse does, and rex still
// reads arrays where there is no WebAssembly (`node --jitless`). decimal-bytes.test.ts checks
// both readers on the edge cases.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNumberArray } from '../../src/protocol/number-array-bytes.js';
import { NOT_TAKEN, readPieceWasm, WASM_PIECE_BYTES } from '../../src/protocol/number-reader-wasm/number-reader-wasm.js';
import { SOURCE_SHA256 } from '../../src/protocol/number-reader-wasm/number-reader.wasm.js';
import { seededRandom } from '../helpers/random.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE = path.join(ROOT, 'src/protocol/number-reader-wasm/number-reader.c');

/** readPieceWasm over `[texts]` as one piece: its count and values. */
function readPiece(texts: string[], separator = ', '): { count: number; values: Float64Array } {
  const bytes = Buffer.from(`[${texts.join(separator)}]`);
  const values = new Float64Array(texts.length + 1);
  return { count: readPieceWasm(bytes, 1, bytes.length - 1, values, 1), values: values.subarray(1) };
}

describe('the WebAssembly number reader', () => {
  it('is built from the committed C source: the module is what clang makes of it', () => {
    expect(createHash('sha256').update(fs.readFileSync(SOURCE)).digest('hex'), 'run npm run build:wasm').toBe(SOURCE_SHA256);
    // Rebuilds with clang and compares byte for byte (exit 1 and a message otherwise).
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-wasm.mjs'), '--check'], { stdio: 'pipe' });
  });

  it('decides every number Python writes for a double (shortest and 17 digits), as JSON.parse', () => {
    const next = seededRandom(18);
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const magnitude = 10 ** (Math.floor(next() * 200) - 100);
      const value = (next() - 0.5) * magnitude;
      texts.push(i % 3 === 0 ? value.toPrecision(17) : String(value));
    }
    texts.push('0', '-0', '0.0', '-0.0', '1e22', '1E+22', '123456789012345678', '9007199254740992', '-1e-100');
    for (let from = 0; from < texts.length; from += 1000) {
      const piece = texts.slice(from, from + 1000); // ~25 KB, as the array reader cuts them
      const { count, values } = readPiece(piece);
      expect(count).toBe(piece.length);
      const mismatches = piece.filter((text, i) => !Object.is(values[i], JSON.parse(text)));
      expect(mismatches).toEqual([]);
    }
  });

  it('leaves to JSON.parse what it does not decide, and refuses what JSON does', () => {
    // More than 19 digits, an exponent beyond ±120, a fraction at a midpoint, subnormals, Python's tokens.
    for (const undecided of ['12345678901234567891', '1e200', '4503599627370496.5', '5e-324', 'NaN', '-Infinity']) {
      expect(readPiece(['0.5', undecided]).count, undecided).toBe(-1);
    }
    for (const bad of ['01', '1.', '.5', '+1', '1e', '-', '1 2', '0x10', '1,,2', '1,']) {
      expect(readPiece([bad]).count, bad).toBe(-1);
    }
    // A carriage return: JSON.parse's job (and TOML takes it only before a line feed, toml-scanner.ts).
    expect(readPiece(['0.5', '0.25'], '\r\n,').count).toBe(-1);
    expect(readPiece(['0.5', '0.25'], ' ,\t').values).toEqual(new Float64Array([0.5, 0.25]));
    // Line feeds: a TOML data array's layout, a number on each line (a JSON line holds none).
    expect(readPiece(['0.5', '0.25', '-1e-3'], ',\n    ').values).toEqual(new Float64Array([0.5, 0.25, -1e-3]));
  });

  it('does not take a piece longer than its memory; the JavaScript reader reads it', () => {
    const tiny = `0.${'0'.repeat(WASM_PIECE_BYTES)}1`; // one valid number: no comma to cut at
    const bytes = Buffer.from(`[${tiny}]`);
    expect(readPieceWasm(bytes, 1, bytes.length - 1, new Float64Array(1), 0)).toBe(NOT_TAKEN);
    expect(Array.from(readNumberArray(bytes, 0)!.values)).toEqual([JSON.parse(tiny)]);
  });

  it('is not needed: under node --jitless (no WebAssembly) arrays are read as JSON.parse reads them, and counted', () => {
    const script = `
      const { readNumberArray } = await import(${JSON.stringify(path.join(ROOT, 'dist/protocol/number-array-bytes.js'))});
      const { readPieceWasm, NOT_TAKEN } = await import(${JSON.stringify(path.join(ROOT, 'dist/protocol/number-reader-wasm/number-reader-wasm.js'))});
      const text = '[' + Array.from({ length: 5000 }, (_, i) => String(Math.sin(i) * 10 ** (i % 30 - 15))).join(', ') + ']';
      const bytes = Buffer.from(text);
      const values = Array.from(readNumberArray(bytes, 0).values);
      const same = JSON.parse(text).every((value, i) => Object.is(value, values[i]));
      // An output file's index counts its arrays without it too.
      const { ArrayCounter } = await import(${JSON.stringify(path.join(ROOT, 'dist/protocol/run-file/toml-array-counter.js'))});
      const counter = new ArrayCounter();
      counter.feed(bytes, 1, bytes.length);
      console.log(JSON.stringify({ wasm: typeof WebAssembly, taken: readPieceWasm(bytes, 1, 20, new Float64Array(10), 0) !== NOT_TAKEN, same, count: values.length, counted: counter.count.elements }));
    `;
    const output = execFileSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: 'pipe' });
    expect(JSON.parse(output)).toEqual({ wasm: 'undefined', taken: false, same: true, count: 5000, counted: 5000 });
  });
});
