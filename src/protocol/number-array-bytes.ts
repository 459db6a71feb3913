/**
 * A JSON array of numbers, read straight from the line's bytes into a Float64Array.
 *
 * Why not `JSON.parse(buffer.toString())`: turning a buffer of more than ~128 KB into one string
 * runs at a few hundred MB/s (V8's large-object space), about as slow as parsing it. Here the
 * array is read in pieces of at most CHUNK_BYTES:
 * - first straight from the bytes: by the WebAssembly reader (number-reader-wasm/), or number by
 *   number in JavaScript (`readDecimalInto`, decimal-bytes.ts) where there is no WebAssembly;
 * - a piece holding a number that reader does not decide (more digits, a huge exponent, an exact
 *   midpoint between two doubles, NaN/Infinity) is handed whole to `JSON.parse` as a small string.
 * Python's `NaN`, `Infinity` and `-Infinity` tokens are read as such (SPEC §2 DEVIATION).
 *
 * Anything else (a string, a nested array, bad syntax) returns null: the caller falls back to the
 * ordinary parser, which gives the precise reason. This reader only ever accepts what that
 * parser accepts, with the same values.
 */
import { parseJsonText, isNanStandIn } from './json.js';
import { type AllocateFloat64, allocFloat64 } from './binary-trace.js';
import { NOT_DECIDED, readDecimalInto } from './decimal-bytes.js';
import { NOT_TAKEN, readPieceWasm } from './number-reader-wasm/number-reader-wasm.js';

const CHUNK_BYTES = 32 * 1024;
const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const CLOSE = 0x5d;
const NAN_TOKEN = Buffer.from('NaN');
const INFINITY_TOKEN = Buffer.from('Infinity');

/** Where one array ends and its values (`end` is just past the closing `]`). */
export interface NumberArray {
  values: Float64Array;
  end: number;
}

/** Values read so far; grows by doubling, copied once into an exact-size array at the end. */
let scratch = new Float64Array(4096);

/**
 * Reads the comma-separated numbers in [from, end) into `values` from `at` (which has room for
 * every number the piece can hold); returns how many, or -1 when one of them is not a plain
 * number whose rounding the reader decides (the piece is then re-read by JSON.parse).
 */
export type PieceReader = (bytes: Buffer, from: number, end: number, values: Float64Array, at: number) => number;

/**
 * Reads the array whose `[` is at `open`; null when it is not a flat array of JSON numbers.
 * `allocate`: where the values go (the ingest reuses arrays, reused-value-arrays.ts); `readPiece`
 * is for tests, which check both readers.
 */
export function readNumberArray(
  bytes: Buffer,
  open: number,
  allocate: AllocateFloat64 = allocFloat64,
  readPiece: PieceReader = readPieceFast,
): NumberArray | null {
  const count = readNumbersToScratch(bytes, open, readPiece);
  if (count === -1) return null;
  const values = allocate(count);
  values.set(scratch.subarray(0, count));
  return { values, end: arrayEnd };
}

/** Just past the `]` of the array {@link readNumbersToScratch} read last. */
let arrayEnd = 0;

export function numberArrayEnd(): number {
  return arrayEnd;
}

/**
 * As {@link readNumberArray}, without an array of its own: returns how many values (-1: not a
 * flat array of JSON numbers), left in {@link scratchNumbers} until the next read.
 */
export function readNumbersToScratch(bytes: Buffer, open: number, readPiece: PieceReader = readPieceFast): number {
  const close = bytes.indexOf(CLOSE, open + 1);
  if (close === -1) return -1;
  let count = 0;
  let pos = skipSpaces(bytes, open + 1);
  arrayEnd = close + 1;
  if (pos === close) return 0;
  // Once a piece needed JSON.parse the data is probably full precision: skip the byte attempt.
  let preferJson = false;
  while (pos < close) {
    const pieceEnd = pieceEndAt(bytes, pos, close);
    // Room for every number the piece can hold (each takes a digit and a comma), checked once.
    let read = preferJson ? -1 : readPiece(bytes, pos, pieceEnd, reserve(count + ((pieceEnd - pos + 2) >> 1)), count);
    if (read === -1) {
      preferJson = true;
      read = readPieceJson(bytes, pos, pieceEnd, count);
      if (read === -1) return -1;
    }
    count += read;
    pos = pieceEnd === close ? close : skipSpaces(bytes, pieceEnd + 1);
    if (pieceEnd !== close && pos === close) return -1; // a trailing comma
  }
  return count;
}

/** Where {@link readNumbersToScratch} left its values (from index 0), valid until the next read. */
export function scratchNumbers(): Float64Array {
  return scratch;
}

/** End of the piece starting at `from`: the last comma within CHUNK_BYTES, or `close`. */
function pieceEndAt(bytes: Buffer, from: number, close: number): number {
  if (close - from <= CHUNK_BYTES) return close;
  const back = bytes.lastIndexOf(COMMA, from + CHUNK_BYTES);
  if (back > from) return back;
  const ahead = bytes.indexOf(COMMA, from + CHUNK_BYTES);
  return ahead !== -1 && ahead < close ? ahead : close;
}

/** The WebAssembly reader (numbers of up to 19 digits), or the JavaScript one where it cannot be used. */
export const readPieceFast: PieceReader = (bytes, from, end, values, at) => {
  const read = readPieceWasm(bytes, from, end, values, at);
  return read !== NOT_TAKEN ? read : readPieceNumberByNumber(bytes, from, end, values, at);
};

/**
 * The reader in JavaScript (numbers of up to 20 digits), for `node --jitless`, which has no
 * WebAssembly, and pieces longer than the WebAssembly reader takes.
 */
export const readPieceNumberByNumber: PieceReader = (bytes, from, end, values, at) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let pos = from;
  let n = 0;
  for (;;) {
    pos = readDecimalInto(bytes, view, pos, values, at + n);
    if (pos === NOT_DECIDED) return -1; // NaN, Infinity, garbage, undecided: JSON.parse decides
    n++;
    let c = bytes[pos]!;
    while (c === SPACE || c === TAB) c = bytes[++pos]!;
    if (pos === end) return n;
    if (c !== COMMA) return -1;
    pos = skipSpaces(bytes, pos + 1);
    if (pos >= end) return -1;
  }
};

/** JSON.parse of the piece as a small string (correct rounding for any digits, NaN/Infinity). */
function readPieceJson(bytes: Buffer, from: number, end: number, at: number): number {
  if (!mayHoldOnlyNumbers(bytes, from, end)) return -1;
  const parsed = parseJsonText(`[${bytes.toString('latin1', from, end)}]`);
  if (!parsed.ok || !Array.isArray(parsed.value)) return -1;
  const items = parsed.value as unknown[];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== 'number') return -1;
    store(at + i, parsed.nanStandIns && isNanStandIn(item) ? NaN : item);
  }
  return items.length;
}

/**
 * A quick reject before JSON.parse: a quote, bracket or brace means strings or nesting (the
 * slow parser must explain them), and `N`/`I` outside the NaN/Infinity tokens are never numbers.
 */
function mayHoldOnlyNumbers(bytes: Buffer, from: number, end: number): boolean {
  const quote = bytes.indexOf(0x22, from);
  if (quote !== -1 && quote < end) return false;
  const open = bytes.indexOf(0x5b, from);
  if (open !== -1 && open < end) return false;
  const brace = bytes.indexOf(0x7b, from);
  if (brace !== -1 && brace < end) return false;
  return tokensAreWhole(bytes, from, end, 0x4e /* N */, NAN_TOKEN) && tokensAreWhole(bytes, from, end, 0x49 /* I */, INFINITY_TOKEN);
}

function tokensAreWhole(bytes: Buffer, from: number, end: number, first: number, token: Buffer): boolean {
  for (let at = bytes.indexOf(first, from); at !== -1 && at < end; at = bytes.indexOf(first, at + token.length)) {
    if (at + token.length > end || bytes.compare(token, 0, token.length, at, at + token.length) !== 0) return false;
  }
  return true;
}

function store(index: number, value: number): void {
  reserve(index + 1)[index] = value;
}

/** Scratch with room for at least `count` values (grown by doubling, what it held kept). */
function reserve(count: number): Float64Array {
  if (count > scratch.length) {
    let length = scratch.length * 2;
    while (length < count) length *= 2;
    const grown = new Float64Array(length);
    grown.set(scratch);
    scratch = grown;
  }
  return scratch;
}

function skipSpaces(bytes: Buffer, pos: number): number {
  let c = bytes[pos];
  while (c === SPACE || c === TAB) c = bytes[++pos];
  return pos;
}
