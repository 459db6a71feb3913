// The WebAssembly base64 decoder of big lines' binary traces (src/protocol/base64-wasm/): its
// committed bytes are what its C source builds to (number-reader-wasm.test.ts runs the build's
// --check for every module), it decodes what Python's b64encode writes as Node does, and it
// refuses exactly the text Node's decoding path refuses. Without WebAssembly rex keeps that path.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_TAKEN, PIECE_CHARS, decodeBase64Wasm } from '../../src/protocol/base64-wasm/base64-wasm.js';
import { SOURCE_SHA256 } from '../../src/protocol/base64-wasm/base64-decode.wasm.js';
import { writeBase64Bytes } from '../../src/protocol/binary-trace.js';
import { seededRandom } from '../helpers/random.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE = path.join(ROOT, 'src/protocol/base64-wasm/base64-decode.c');
const ALPHABET = /[A-Za-z0-9+/]/;

/** Both decoders of base64 bytes: from the bytes (WebAssembly), and Node's from strings. */
const DECODERS = {
  wasm: (text: Buffer, target: Buffer) => writeBase64Bytes(target, text),
  node: (text: Buffer, target: Buffer) => writeBase64Bytes(target, text, () => NOT_TAKEN),
};

function randomBytes(next: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(next() * 256);
  return bytes;
}

/** Decodes `text` into a target of the size its length gives; the decoded bytes, or null when refused. */
function decode(decoder: (text: Buffer, target: Buffer) => number, text: Buffer): Buffer | null {
  const body = text.toString('latin1').replace(/={1,2}$/, '').length;
  const target = Buffer.alloc(Math.floor((body * 3) / 4));
  const written = decoder(text, target);
  return written === target.length ? target : null;
}

describe('the WebAssembly base64 decoder', () => {
  it('is built from the committed C source', () => {
    expect(createHash('sha256').update(fs.readFileSync(SOURCE)).digest('hex'), 'run npm run build:wasm').toBe(SOURCE_SHA256);
  });

  it('decodes every length, padded or not, and text longer than a piece, as Node does', () => {
    const next = seededRandom(64);
    const lengths = [...Array.from({ length: 200 }, (_, i) => i), 80_000, (PIECE_CHARS / 4) * 3, (PIECE_CHARS / 4) * 3 + 1, 300_001];
    for (const length of lengths) {
      const bytes = randomBytes(next, length);
      const padded = Buffer.from(bytes.toString('base64'));
      const unpadded = Buffer.from(bytes.toString('base64').replace(/=+$/, ''));
      for (const text of [padded, unpadded]) {
        expect(decode(DECODERS.wasm, text)?.equals(bytes), `${length} bytes`).toBe(true);
        expect(decode(DECODERS.node, text)?.equals(bytes), `${length} bytes`).toBe(true);
      }
    }
  });

  it("refuses any byte outside the alphabet, in the 16-byte steps, the last group and across pieces, as Node's path does", () => {
    const text = Buffer.from(randomBytes(seededRandom(5), 3 * PIECE_CHARS).toString('base64'));
    const places = [0, 1, 15, 16, 17, 31, 47, PIECE_CHARS - 1, PIECE_CHARS, PIECE_CHARS + 5, text.length - 3, text.length - 1];
    for (let byte = 0; byte < 256; byte++) {
      for (const place of places) {
        const damaged = Buffer.from(text);
        damaged[place] = byte;
        // `=` as the last character is padding: a shorter text, still valid.
        const valid = ALPHABET.test(String.fromCharCode(byte)) || (byte === 0x3d && place === text.length - 1);
        for (const [name, decoder] of Object.entries(DECODERS)) {
          expect(decode(decoder, damaged) !== null, `${name}: byte ${byte} at ${place}`).toBe(valid);
        }
      }
    }
  });

  it('refuses padding inside and a single character left over; takes leftover bits in the last character', () => {
    for (const [text, valid] of [
      ['QUJD', true],
      ['QQ==QUJD', false],
      ['QR==', true], // `R` carries bits past the byte: Node and Python ignore them
      ['QR', true],
      ['', true],
    ] as const) {
      for (const [name, decoder] of Object.entries(DECODERS)) {
        expect(decode(decoder, Buffer.from(text)) !== null, `${name}: ${text}`).toBe(valid);
      }
    }
    expect(decodeBase64Wasm(Buffer.from('QR'), Buffer.alloc(1))).toBe(1);
    // Node's decoder drops a last lone character: decodedByteCount (binary-trace.ts) refuses such a length first.
    expect(decodeBase64Wasm(Buffer.from('QUJDR'), Buffer.alloc(4))).toBe(-1);
  });

  it("is not needed: under node --jitless (no WebAssembly) big lines' traces are decoded by Node", () => {
    const script = `
      const { writeBase64Bytes } = await import(${JSON.stringify(path.join(ROOT, 'dist/protocol/binary-trace.js'))});
      const { decodeBase64Wasm, NOT_TAKEN } = await import(${JSON.stringify(path.join(ROOT, 'dist/protocol/base64-wasm/base64-wasm.js'))});
      const bytes = Buffer.from(Float64Array.from({ length: 10000 }, (_, i) => Math.sin(i)).buffer);
      const target = Buffer.alloc(bytes.length);
      const written = writeBase64Bytes(target, Buffer.from(bytes.toString('base64')));
      const refused = writeBase64Bytes(Buffer.alloc(6), Buffer.from('QUJD-_JD'));
      console.log(JSON.stringify({ wasm: typeof WebAssembly, taken: decodeBase64Wasm(Buffer.from('QUJD'), Buffer.alloc(3)) !== NOT_TAKEN, same: written === bytes.length && target.equals(bytes), refused }));
    `;
    const output = execFileSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: 'pipe' });
    expect(JSON.parse(output)).toEqual({ wasm: 'undefined', taken: false, same: true, refused: -1 });
  });
});
