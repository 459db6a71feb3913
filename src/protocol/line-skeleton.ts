/**
 * Splits a big device line into its small JSON skeleton and its bulk data, working on bytes.
 *
 * Every `measurements.<channel>.data` array (and each row of a Multi) is read straight into a
 * Float64Array (number-array-bytes.ts), and the base64 text of a binary trace (`data.f64`,
 * SPEC §12) is kept as bytes. In the skeleton each of them is replaced by a placeholder object
 * that names its index, and the skeleton (a few hundred bytes for a trace line) goes through the
 * ordinary parser, which validates everything as usual and takes each placeholder's data.
 *
 * Nothing outside `measurements` is touched. Anything unexpected on the way (bad syntax, a data
 * array holding something other than numbers) returns null: the caller then parses the whole
 * line the ordinary way, which explains what is wrong. A key written with escapes
 * (`"d\u0061ta"`) is not recognised here and is simply left to the ordinary parser.
 */
import type { AllocateFloat64 } from './binary-trace.js';
import type { ChannelTable } from './channel-table.js';
import { readNumberArray } from './number-array-bytes.js';
import { randomHex } from './random.js';
import { plainStringArrayEnd } from './timestamp-bytes.js';

/**
 * A data array read into numbers, the base64 bytes of a binary trace — replaced by its values
 * once the parser has decoded them (so a journaled skeleton keeps the values, see line-body.ts) —
 * or the bytes of a channel's array of timestamps (`timestamps.<channel>` or
 * `measurements.<channel>.timestamps`, timestamp-bytes.ts), kept as bytes; or the whole of
 * `measurements` as a table of many small channels (channel-table.ts, channel-table-scan.ts).
 */
export type ExtractedData = Float64Array | Buffer | ChannelTable;

export interface LineSkeleton {
  /** The line with each extracted piece replaced by `{"<key>": <index>}`. */
  text: string;
  /** The placeholders' key: random per process, so a client cannot forge a placeholder. */
  key: string;
  extracted: ExtractedData[];
}

const PLACEHOLDER_KEY = `\u0000rex-data-${randomHex(8)}`;
const PLACEHOLDER_OPEN = `{${JSON.stringify(PLACEHOLDER_KEY)}:`;

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
export const MEASUREMENTS = Buffer.from('"measurements"');
export const DATA = Buffer.from('"data"');
const F64 = Buffer.from('"f64"');
const TIMESTAMPS = Buffer.from('"timestamps"');
export const FAILED = -1;
/**
 * Arrays shorter than this stay in the skeleton: a placeholder and a piece of its own cost more
 * than parsing a few numbers as text (a message with 10,000 one-value channels took 10× longer).
 */
const MIN_EXTRACTED_BYTES = 512;

/** The index a parsed placeholder (with key `key`) stands for, or -1 when `value` is not one. */
export function placeholderIndex(value: unknown, key: string): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return -1;
  const index = (value as Record<string, unknown>)[key];
  return typeof index === 'number' ? index : -1;
}

/** `allocate`: where the data arrays' values go; by default fresh arrays. */
export function extractMeasurementData(line: Buffer, allocate?: AllocateFloat64): LineSkeleton | null {
  // Lines come trimmed; a message starts with its brace (as parseLine requires).
  if (line[0] !== OPEN_BRACE) return null;
  const scan = new SkeletonScan(line, allocate);
  const end = scan.object(0, (key, value) => {
    if (line[value] !== OPEN_BRACE) return scan.value(value);
    if (scan.keyIs(key, MEASUREMENTS)) return scan.measurements(value);
    return scan.keyIs(key, TIMESTAMPS) ? scan.timestampMap(value) : scan.value(value);
  });
  if (end === FAILED || scan.spaces(end) !== line.length) return null;
  return scan.finish();
}

/**
 * `length` bytes of `a` from `at` equal those of `b` from `from`. A loop: keys and units are a few
 * bytes, and Buffer.compare's call into C++ cost more than the comparison (300,000 calls a line).
 */
export function sameBytes(a: Buffer, at: number, b: Buffer, from: number, length: number): boolean {
  if (at + length > a.length) return false;
  for (let i = 0; i < length; i++) if (a[at + i] !== b[from + i]) return false;
  return true;
}

/** Walks a line's JSON from its bytes: what a skeleton and a channel table are read with. */
export class SkeletonScan {
  private readonly parts: string[] = [];
  private readonly extracted: ExtractedData[] = [];
  private copiedUpTo = 0;

  constructor(
    private readonly line: Buffer,
    private readonly allocate?: AllocateFloat64,
  ) {}

  finish(): LineSkeleton {
    this.parts.push(this.line.toString('utf8', this.copiedUpTo));
    return { text: this.parts.join(''), key: PLACEHOLDER_KEY, extracted: this.extracted };
  }

  /** `{ "<channel>": {...}, ... }` */
  measurements(open: number): number {
    return this.object(open, (_key, value) => (this.line[value] === OPEN_BRACE ? this.channel(value) : this.value(value)));
  }

  /** `{ "<channel>": [timestamps], ... }` */
  timestampMap(open: number): number {
    return this.object(open, (_key, value) => this.stamps(value));
  }

  /** `{ "data": ..., "unit": ..., "timestamps": ..., ... }` */
  private channel(open: number): number {
    return this.object(open, (key, value) =>
      this.keyIs(key, DATA) ? this.data(value) : this.keyIs(key, TIMESTAMPS) ? this.stamps(value) : this.value(value),
    );
  }

  /** An array of plain strings, big enough to be worth it, is kept as its bytes. */
  private stamps(at: number): number {
    if (this.line[at] !== OPEN_BRACKET || this.isSmall(at)) return this.value(at);
    const end = plainStringArrayEnd(this.line, at);
    if (end === FAILED) return this.value(at);
    this.replace(at, end, this.line.subarray(at, end));
    return end;
  }

  private data(at: number): number {
    const { line } = this;
    if (line[at] === OPEN_BRACE)
      return this.object(at, (key, value) => (this.keyIs(key, F64) && line[value] === QUOTE ? this.base64(value) : this.value(value)));
    if (line[at] !== OPEN_BRACKET) return this.value(at);
    const first = this.spaces(at + 1);
    if (line[first] !== OPEN_BRACKET) return this.isSmall(at) ? this.value(at) : this.numbers(at);
    // Multi: every element a row of numbers, all extracted or (short first row) none.
    if (this.isSmall(first)) return this.value(at);
    let pos = first;
    for (;;) {
      if (line[pos] !== OPEN_BRACKET) return FAILED;
      pos = this.numbers(pos);
      if (pos === FAILED) return FAILED;
      pos = this.spaces(pos);
      if (line[pos] === CLOSE_BRACKET) return pos + 1;
      if (line[pos] !== COMMA) return FAILED;
      pos = this.spaces(pos + 1);
    }
  }

  /** The array opening at `open` ends (at its first `]`) within MIN_EXTRACTED_BYTES. */
  isSmall(open: number): boolean {
    const close = this.line.indexOf(CLOSE_BRACKET, open + 1);
    return close !== -1 && close - open < MIN_EXTRACTED_BYTES;
  }

  private numbers(open: number): number {
    const array = readNumberArray(this.line, open, this.allocate);
    if (array === null) return FAILED;
    this.replace(open, array.end, array.values);
    return array.end;
  }

  /** The f64 string: kept as bytes when it has no escapes (base64 never needs one). */
  private base64(quote: number): number {
    const close = this.line.indexOf(QUOTE, quote + 1);
    if (close === -1) return FAILED;
    const backslash = this.line.indexOf(BACKSLASH, quote + 1);
    if (backslash !== -1 && backslash < close) return this.value(quote);
    this.replace(quote, close + 1, this.line.subarray(quote + 1, close));
    return close + 1;
  }

  replace(from: number, to: number, data: ExtractedData): void {
    this.parts.push(this.line.toString('utf8', this.copiedUpTo, from), `${PLACEHOLDER_OPEN}${this.extracted.length}}`);
    this.extracted.push(data);
    this.copiedUpTo = to;
  }

  /** Walks `{ "key": value, ... }`; `member` gets the key's quote and the value's first byte. */
  object(open: number, member: (key: number, value: number) => number): number {
    const { line } = this;
    let pos = this.spaces(open + 1);
    if (line[pos] === CLOSE_BRACE) return pos + 1;
    for (;;) {
      if (line[pos] !== QUOTE) return FAILED;
      const keyEnd = this.string(pos);
      if (keyEnd === FAILED) return FAILED;
      const colon = this.spaces(keyEnd);
      if (line[colon] !== COLON) return FAILED;
      const valueEnd = member(pos, this.spaces(colon + 1));
      if (valueEnd === FAILED) return FAILED;
      pos = this.spaces(valueEnd);
      if (line[pos] === CLOSE_BRACE) return pos + 1;
      if (line[pos] !== COMMA) return FAILED;
      pos = this.spaces(pos + 1);
    }
  }

  /** Skips any value (JSON.parse of the skeleton validates it). */
  value(at: number): number {
    const { line } = this;
    const first = line[at];
    if (first === QUOTE) return this.string(at);
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      let pos = at;
      for (let c = line[pos]; c !== undefined && c !== COMMA && c !== CLOSE_BRACE && c !== CLOSE_BRACKET && !isSpace(c); c = line[++pos]);
      return pos === at ? FAILED : pos;
    }
    // A container: count brackets, jumping over strings (no recursion: depth is the client's).
    let depth = 0;
    for (let pos = at; pos < line.length; pos++) {
      const c = line[pos];
      if (c === QUOTE) {
        pos = this.string(pos) - 1;
        if (pos < 0) return FAILED;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) return pos + 1;
      }
    }
    return FAILED;
  }

  /** Just past the string whose opening quote is at `quote`. */
  string(quote: number): number {
    const { line } = this;
    let search = quote + 1;
    for (;;) {
      const close = line.indexOf(QUOTE, search);
      if (close === -1) return FAILED;
      let backslashes = 0;
      while (line[close - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return close + 1;
      search = close + 1;
    }
  }

  keyIs(quote: number, key: Buffer): boolean {
    return sameBytes(this.line, quote, key, 0, key.length);
  }

  spaces(pos: number): number {
    const { line } = this;
    while (isSpace(line[pos])) pos++;
    return pos;
  }
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}
