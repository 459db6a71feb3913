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
import { randomBytes } from 'node:crypto';
import { ChannelTable, TABLE_MIN_CHANNELS } from './channel-table.js';
import { numberArrayEnd, readNumberArray, readNumbersToScratch, scratchNumbers } from './number-array-bytes.js';
import { plainStringArrayEnd } from './timestamp-bytes.js';

/**
 * A data array read into numbers, the base64 bytes of a binary trace — replaced by its values
 * once the parser has decoded them (so a journaled skeleton keeps the values, see line-body.ts) —
 * or the bytes of a channel's array of timestamps (`timestamps.<channel>` or
 * `measurements.<channel>.timestamps`, timestamp-bytes.ts), kept as bytes; or the whole of
 * `measurements` as a table of many small channels (channel-table.ts, {@link withChannelTable}).
 */
export type ExtractedData = Float64Array | Buffer | ChannelTable;

export interface LineSkeleton {
  /** The line with each extracted piece replaced by `{"<key>": <index>}`. */
  text: string;
  /** The placeholders' key: random per process, so a client cannot forge a placeholder. */
  key: string;
  extracted: ExtractedData[];
}

const PLACEHOLDER_KEY = `\u0000rex-data-${randomBytes(8).toString('hex')}`;
const PLACEHOLDER_OPEN = `{${JSON.stringify(PLACEHOLDER_KEY)}:`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MEASUREMENTS = Buffer.from('"measurements"');
const DATA = Buffer.from('"data"');
const F64 = Buffer.from('"f64"');
const TIMESTAMPS = Buffer.from('"timestamps"');
const UNIT = Buffer.from('"unit"');
const FAILED = -1;
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

export function extractMeasurementData(line: Buffer): LineSkeleton | null {
  // Lines come trimmed; a message starts with its brace (as parseLine requires).
  if (line[0] !== OPEN_BRACE) return null;
  const scan = new SkeletonScan(line);
  const end = scan.object(0, (key, value) => {
    if (line[value] !== OPEN_BRACE) return scan.value(value);
    if (scan.keyIs(key, MEASUREMENTS)) return scan.measurements(value);
    return scan.keyIs(key, TIMESTAMPS) ? scan.timestampMap(value) : scan.value(value);
  });
  if (end === FAILED || scan.spaces(end) !== line.length) return null;
  return scan.finish();
}

/**
 * A line whose `measurements` are many small channels, each exactly `{"data": [numbers], "unit":
 * "text"}` (in either order), read straight into a table (channel-table.ts): the line is never
 * parsed as JSON but for its small rest. Null when anything else is found (the caller parses the
 * line the other ways): fewer than TABLE_MIN_CHANNELS channels, a data array of 512 bytes or more,
 * a name or unit written with an escape or a control character, a name given twice or all digits
 * (JSON.parse would keep the last, or list such keys first).
 */
export function extractChannelTable(line: Buffer): LineSkeleton | null {
  if (line[0] !== OPEN_BRACE) return null;
  const scan = new SkeletonScan(line);
  let found = 0;
  const end = scan.object(0, (key, value) => {
    if (!scan.keyIs(key, MEASUREMENTS)) return scan.value(value);
    if (found++ > 0 || line[value] !== OPEN_BRACE) return FAILED;
    const table = new TableScan(scan, line);
    const tableEnd = scan.object(value, (name, channel) => table.channel(name, channel));
    if (tableEnd === FAILED || table.count < TABLE_MIN_CHANNELS) return FAILED;
    scan.replace(value, tableEnd, table.finish());
    return tableEnd;
  });
  if (end === FAILED || found !== 1 || scan.spaces(end) !== line.length) return null;
  return scan.finish();
}

/** The columns of a channel table, read channel by channel. */
class TableScan {
  private readonly names: string[] = [];
  private readonly seen: NameSet;
  private readonly units: string[] = [];
  private unitOf: Uint32Array = new Uint32Array(1024);
  private valueEnds: Uint32Array = new Uint32Array(1024);
  private values = new Float64Array(1024);
  private valueCount = 0;
  /** The last unit's bytes in the line: most channels repeat it. */
  private lastUnitFrom = -1;
  private lastUnitTo = -1;
  private lastUnit = 0;

  constructor(
    private readonly scan: SkeletonScan,
    private readonly line: Buffer,
  ) {
    this.seen = new NameSet(line);
  }

  get count(): number {
    return this.names.length;
  }

  /** One `"<name>": {...}` member; returns the end of the channel's object, or FAILED. */
  channel(key: number, open: number): number {
    const { scan, line } = this;
    const keyEnd = scan.string(key);
    const name = plainText(line, key, keyEnd);
    if (name === null || ALL_DIGITS.test(name) || line[open] !== OPEN_BRACE || !this.seen.add(key, keyEnd)) return FAILED;
    let count = -1;
    let unitFrom = -1;
    let unitTo = -1;
    const end = scan.object(open, (member, value) => {
      if (count === -1 && scan.keyIs(member, DATA)) {
        if (line[value] !== OPEN_BRACKET || !scan.isSmall(value)) return FAILED;
        count = readNumbersToScratch(line, value);
        if (count === -1) return FAILED;
        this.addValues(count);
        return numberArrayEnd();
      }
      if (unitFrom === -1 && scan.keyIs(member, UNIT) && line[value] === QUOTE) {
        unitTo = scan.string(value);
        unitFrom = value;
        return unitTo;
      }
      return FAILED;
    });
    if (end === FAILED || count === -1 || unitFrom === -1) return FAILED;
    const unit = this.unitIndex(unitFrom, unitTo);
    if (unit === -1) return FAILED;
    const index = this.names.length;
    this.names.push(name);
    this.unitOf = grownTo(this.unitOf, index + 1);
    this.unitOf[index] = unit;
    this.valueEnds = grownTo(this.valueEnds, index + 1);
    this.valueEnds[index] = this.valueCount;
    return end;
  }

  finish(): ChannelTable {
    const count = this.names.length;
    return ChannelTable.fromColumns(
      this.names,
      this.units,
      this.unitOf.slice(0, count),
      this.valueEnds.slice(0, count),
      this.values.slice(0, this.valueCount),
    );
  }

  /** The `count` numbers just read (a few: a loop, not a view and a copy each). */
  private addValues(count: number): void {
    if (this.valueCount + count > this.values.length) {
      const grown = new Float64Array(Math.max(2 * this.values.length, this.valueCount + count));
      grown.set(this.values.subarray(0, this.valueCount));
      this.values = grown;
    }
    const read = scratchNumbers();
    for (let i = 0; i < count; i++) this.values[this.valueCount + i] = read[i]!;
    this.valueCount += count;
  }

  /** The index of the unit string from the quote at `from` to just past `to`; -1 when it is not plain text. */
  private unitIndex(from: number, to: number): number {
    const { line } = this;
    const length = to - from;
    if (length === this.lastUnitTo - this.lastUnitFrom && sameBytes(line, from, line, this.lastUnitFrom, length)) return this.lastUnit;
    const unit = plainText(line, from, to);
    if (unit === null) return -1;
    let index = this.units.indexOf(unit);
    if (index === -1) index = this.units.push(unit) - 1;
    this.lastUnitFrom = from;
    this.lastUnitTo = to;
    this.lastUnit = index;
    return index;
  }
}

const ALL_DIGITS = /^[0-9]+$/;

/**
 * The names seen, as byte ranges of the line in an open-addressing hash table: a Set of 100,000
 * fresh strings cost more than reading the whole table (the names are plain text, so equal names
 * are equal bytes).
 */
class NameSet {
  private slots = new Int32Array(1 << 12);
  private from: Uint32Array = new Uint32Array(1 << 11);
  private to: Uint32Array = new Uint32Array(1 << 11);
  private hashes: Uint32Array = new Uint32Array(1 << 11);
  private count = 0;

  constructor(private readonly line: Buffer) {}

  /** Adds the name from `quote` to just past `end`; false when it was there already. */
  add(quote: number, end: number): boolean {
    const { line } = this;
    let hash = 0x811c9dc5;
    for (let i = quote; i < end; i++) hash = Math.imul(hash ^ line[i]!, 0x01000193);
    hash >>>= 0;
    const length = end - quote;
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]! - 1;
      if (entry === -1) break;
      if (
        this.hashes[entry] === hash &&
        this.to[entry]! - this.from[entry]! === length &&
        sameBytes(line, quote, line, this.from[entry]!, length)
      ) {
        return false;
      }
    }
    const index = this.count++;
    if (index === this.from.length) this.grow();
    this.from[index] = quote;
    this.to[index] = end;
    this.hashes[index] = hash;
    this.place(index);
    return true;
  }

  private place(index: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[index]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = index + 1;
  }

  /** Twice the entries, and slots for them at most half full. */
  private grow(): void {
    const size = 2 * this.from.length;
    const widened = (column: Uint32Array): Uint32Array => {
      const grown = new Uint32Array(size);
      grown.set(column);
      return grown;
    };
    this.from = widened(this.from);
    this.to = widened(this.to);
    this.hashes = widened(this.hashes);
    this.slots = new Int32Array(2 * size);
    for (let index = 0; index < this.count - 1; index++) this.place(index);
  }
}

/**
 * `length` bytes of `a` from `at` equal those of `b` from `from`. A loop: keys and units are a few
 * bytes, and Buffer.compare's call into C++ cost more than the comparison (300,000 calls a line).
 */
function sameBytes(a: Buffer, at: number, b: Buffer, from: number, length: number): boolean {
  if (at + length > a.length) return false;
  for (let i = 0; i < length; i++) if (a[at + i] !== b[from + i]) return false;
  return true;
}

/** The string whose quote is at `quote` and which ends just before `end`, when it has no escape or control character. */
function plainText(line: Buffer, quote: number, end: number): string | null {
  if (end === FAILED) return null;
  for (let i = quote + 1; i < end - 1; i++) {
    const c = line[i]!;
    if (c === BACKSLASH || c < 0x20) return null;
  }
  return line.toString('utf8', quote + 1, end - 1);
}

function grownTo(column: Uint32Array, length: number): Uint32Array {
  if (length <= column.length) return column;
  const grown = new Uint32Array(2 * column.length);
  grown.set(column);
  return grown;
}

class SkeletonScan {
  private readonly parts: string[] = [];
  private readonly extracted: ExtractedData[] = [];
  private copiedUpTo = 0;

  constructor(private readonly line: Buffer) {}

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
    const array = readNumberArray(this.line, open);
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
