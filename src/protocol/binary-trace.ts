/**
 * The binary trace form of a measurement's `data` (SPEC §12 EXTENSION):
 * `{"f64": "<base64 of little-endian float64>", "shape": [n]}` (Single, n values) or
 * `"shape": [rows, cols]` (Multi, rows × cols, row-major). NaN and ±Inf survive as bit patterns.
 *
 * Accepted base64: the standard alphabet (`A–Z a–z 0–9 + /`), with or without `=` padding, no
 * whitespace — what Python's `base64.b64encode` writes. The byte count must be exactly
 * 8 × (product of shape).
 */
import type { ChannelData } from './messages.js';
import { describeJson } from './json.js';
import { NOT_TAKEN, decodeBase64Wasm } from './base64-wasm/base64-wasm.js';

export type BinaryTraceResult = { ok: true; data: ChannelData } | { ok: false; reason: string };

/** Any character outside the alphabet: a plain search, not an anchored `^[…]*$` that can backtrack. */
const NOT_BASE64_BODY = /[^A-Za-z0-9+/]/;
/** Float64Array uses the platform's byte order; the wire format is little-endian. */
const PLATFORM_IS_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * The `f64` of a big line as line-skeleton.ts kept it: the base64 text as bytes, or its values
 * once decoded (`decoded` is then called, so that the journal keeps the values, not the text).
 */
export interface ExtractedBase64 {
  data: Buffer | Float64Array;
  decoded(values: Float64Array): void;
  /** Where the decoded values go: by default a fresh array (`allocFloat64`). */
  allocate?: AllocateFloat64;
}

/** An array for `count` values, which the caller writes in full before anything reads it. */
export type AllocateFloat64 = (count: number) => Float64Array;

/**
 * `trace` is the object given as `data`; `path` names it in reasons (e.g. `measurements.x.data`).
 * `extracted` gives the `f64` of a big line, kept apart from the text (line-skeleton.ts).
 */
export function decodeBinaryTrace(
  trace: Record<string, unknown>,
  path: string,
  extracted?: (value: unknown) => ExtractedBase64 | undefined,
): BinaryTraceResult {
  const piece = extracted?.(trace.f64);
  const encoded = piece?.data ?? trace.f64;
  if (typeof encoded !== 'string' && !Buffer.isBuffer(encoded) && !(encoded instanceof Float64Array)) {
    return fail(`${path}.f64: expected a base64 string, got ${describeJson(encoded)}`);
  }
  const shape = readShape(trace.shape, `${path}.shape`);
  if (typeof shape === 'string') return fail(shape);

  const valueCount = shape.length === 1 ? shape[0]! : shape[0]! * shape[1]!;
  if (encoded instanceof Float64Array) {
    // Decoded when the line was accepted (read back from the journal): only the shape is checked.
    if (encoded.length !== valueCount)
      return fail(`${path}.f64: holds ${encoded.length} values but shape [${shape.join(', ')}] needs ${valueCount}`);
    return { ok: true, data: shaped(encoded, shape) };
  }
  const byteCount = decodedByteCount(encoded);
  if (byteCount === null) return fail(INVALID_BASE64(path));
  if (byteCount !== valueCount * 8) {
    // Which reason applies must not depend on the form the text came in (string or bytes).
    if (!isBase64Body(encoded)) return fail(INVALID_BASE64(path));
    const needed = valueCount * 8;
    return fail(`${path}.f64: holds ${byteCount} bytes but shape [${shape.join(', ')}] needs ${needed}`);
  }

  // Decode straight into the Float64Array's own buffer: one allocation, correctly aligned.
  const values = (piece?.allocate ?? allocFloat64)(valueCount);
  const target = Buffer.from(values.buffer, values.byteOffset, byteCount);
  const written = typeof encoded === 'string' ? writeBase64Text(target, encoded) : writeBase64Bytes(target, encoded);
  if (written !== byteCount) return fail(INVALID_BASE64(path));
  if (!PLATFORM_IS_LITTLE_ENDIAN) swapBytes64(values);
  piece?.decoded(values);
  return { ok: true, data: shaped(values, shape) };
}

const INVALID_BASE64 = (path: string): string => `${path}.f64: not valid base64 (standard alphabet, optional '=' padding)`;

function shaped(values: Float64Array, shape: number[]): ChannelData {
  if (shape.length === 1) return { shape: 'single', values };
  const [rows, cols] = shape as [number, number];
  const rowViews: Float64Array[] = new Array<Float64Array>(rows);
  for (let r = 0; r < rows; r++) rowViews[r] = values.subarray(r * cols, (r + 1) * cols);
  return { shape: 'multi', rows: rowViews };
}

/** `[n]` or `[rows, cols]` of non-negative integers; otherwise a reason. */
function readShape(shape: unknown, path: string): number[] | string {
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2) {
    return `${path}: expected [n] or [rows, cols], got ${describeJson(shape)}`;
  }
  for (let i = 0; i < shape.length; i++) {
    const size: unknown = shape[i];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return `${path}[${i}]: expected a non-negative integer`;
    }
  }
  const sizes = shape as number[];
  // A product this large could never fit in a line; stops overflow of the byte arithmetic.
  if (sizes.reduce((product, size) => product * size, 1) * 8 > Number.MAX_SAFE_INTEGER) {
    return `${path}: too many values`;
  }
  return sizes;
}

/**
 * Decodes base64 text into `target`; returns the bytes written, or -1 when the text is not base64.
 * Node's decoder skips what is not base64 (and takes the URL alphabet too): a skipped character
 * leaves bytes unwritten, so a full count, without `-` or `_`, means the text was valid. For big
 * traces this is the check; a byte-by-byte scan cost as much as the decoding.
 */
function writeBase64Text(target: Buffer, encoded: string): number {
  const written = target.write(encoded, 'base64');
  return hasUrlAlphabet(encoded) ? -1 : written;
}

/** Without WebAssembly, base64 text as bytes is decoded by Node in pieces: one string of it all would be slow when big. */
const BASE64_PIECE_CHARS = 64 * 1024;

/**
 * {@link writeBase64Text} of a big line's base64 bytes (line-skeleton.ts), decoded from the bytes
 * (base64-wasm/): Node 20 decodes base64 only from a string, and a 107 KB string per 10,000-point
 * trace was garbage to collect on the ingest thread (~10 % of a binary burst, bench/RESULTS.md).
 * `decodeWasm` is for tests, which check both decoders.
 */
export function writeBase64Bytes(target: Buffer, encoded: Buffer, decodeWasm = decodeBase64Wasm): number {
  const decoded = decodeWasm(encoded.subarray(0, bodyLengthOf(encoded)), target);
  if (decoded !== NOT_TAKEN) return decoded;
  let written = 0;
  for (let from = 0; from < encoded.length; from += BASE64_PIECE_CHARS) {
    written += target.write(encoded.toString('latin1', from, Math.min(encoded.length, from + BASE64_PIECE_CHARS)), written, 'base64');
  }
  return hasUrlAlphabet(encoded) ? -1 : written;
}

/**
 * Bytes that `encoded` decodes to, from its length and padding alone; null when those already
 * rule it out (padding without a length of a multiple of 4, a body of 4k + 1 characters). Its
 * characters are checked by the decoding (see decodeBinaryTrace).
 */
function decodedByteCount(encoded: string | Buffer): number | null {
  const bodyLength = bodyLengthOf(encoded);
  if (bodyLength < encoded.length && encoded.length % 4 !== 0) return null;
  if (bodyLength % 4 === 1) return null;
  return Math.floor((bodyLength * 3) / 4);
}

const EQUALS = 0x3d;
const MINUS = 0x2d;
const UNDERSCORE = 0x5f;

/** Length without the trailing `=` padding (at most two). */
function bodyLengthOf(encoded: string | Buffer): number {
  const at = (index: number): number => (typeof encoded === 'string' ? encoded.charCodeAt(index) : encoded[index]!);
  let bodyLength = encoded.length;
  while (bodyLength > 0 && encoded.length - bodyLength < 2 && at(bodyLength - 1) === EQUALS) bodyLength--;
  return bodyLength;
}

/** The body (all but the trailing `=`) is all standard-alphabet characters. */
function isBase64Body(encoded: string | Buffer): boolean {
  const bodyLength = bodyLengthOf(encoded);
  if (typeof encoded === 'string') return !NOT_BASE64_BODY.test(encoded.slice(0, bodyLength));
  for (let i = 0; i < bodyLength; i++) if (BASE64_ALPHABET[encoded[i]!] === 0) return false;
  return true;
}

function hasUrlAlphabet(encoded: string | Buffer): boolean {
  if (typeof encoded === 'string') return encoded.includes('-') || encoded.includes('_');
  return encoded.includes(MINUS) || encoded.includes(UNDERSCORE);
}

/** 1 for the bytes of the standard base64 alphabet (without `=`), 0 for every other byte. */
const BASE64_ALPHABET = (() => {
  const table = new Uint8Array(256);
  for (const c of Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')) table[c] = 1;
  return table;
})();

/** Below this many values a typed array lives on V8's heap, which is cheaper than a backing store. */
const ON_HEAP_MAX_VALUES = 8;

/**
 * A Float64Array with its own ArrayBuffer (transferable), NOT zero-filled: the caller must write
 * every element before it escapes. Zeroed memory (`new Float64Array(n)`) costs a fresh calloc
 * and its page faults on every message — measured at 15–25% of a 10,000-point parse.
 */
export function allocFloat64(count: number): Float64Array {
  if (count <= ON_HEAP_MAX_VALUES) return new Float64Array(count);
  const bytes = Buffer.allocUnsafeSlow(count * 8);
  return new Float64Array(bytes.buffer, bytes.byteOffset, count);
}

function swapBytes64(values: Float64Array): void {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (let i = 0; i < bytes.length; i += 8) {
    for (let j = 0; j < 4; j++) {
      const a = bytes[i + j]!;
      bytes[i + j] = bytes[i + 7 - j]!;
      bytes[i + 7 - j] = a;
    }
  }
}

function fail(reason: string): BinaryTraceResult {
  return { ok: false, reason };
}
