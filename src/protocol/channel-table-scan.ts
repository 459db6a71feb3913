/**
 * A line of many small channels read from its bytes into a channel table (channel-table.ts), with
 * the scanner of line-skeleton.ts: only the line's small rest is ever parsed as JSON.
 */
import { ChannelTable, TABLE_MIN_CHANNELS } from './channel-table.js';
import {
  BACKSLASH,
  DATA,
  FAILED,
  type LineSkeleton,
  MEASUREMENTS,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SkeletonScan,
  sameBytes,
} from './line-skeleton.js';
import { numberArrayEnd, readNumbersToScratch, scratchNumbers } from './number-array-bytes.js';

const UNIT = Buffer.from('"unit"');
/** The fewest bytes a channel of a table takes. */
const MIN_CHANNEL_BYTES = '"":{"data":[],"unit":""}'.length;
/**
 * Shorter lines cannot hold TABLE_MIN_CHANNELS channels: they are not scanned (a 1,000-point trace,
 * ~20 KB, was ~9 µs of the ingest's ~100 a line in that scan; bench/RESULTS.md).
 */
const MIN_TABLE_LINE_BYTES = TABLE_MIN_CHANNELS * MIN_CHANNEL_BYTES;

/**
 * A line whose `measurements` are many small channels, each exactly `{"data": [numbers], "unit":
 * "text"}` (in either order), read straight into a table (channel-table.ts): the line is never
 * parsed as JSON but for its small rest. Null when anything else is found (the caller parses the
 * line the other ways): fewer than TABLE_MIN_CHANNELS channels, a data array of 512 bytes or more,
 * a name or unit written with an escape or a control character, a name given twice or all digits
 * (JSON.parse would keep the last, or list such keys first).
 */
export function extractChannelTable(line: Buffer): LineSkeleton | null {
  if (line[0] !== OPEN_BRACE || line.length < MIN_TABLE_LINE_BYTES) return null;
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
  // Made at the first channel read whole, and grown as channels come: every big line of other
  // shapes (a trace) starts a scan here and fails at its first channel, and fresh arrays for it
  // were ~8 % of the ingest's CPU on 10k-point traces (56 KB), then still ~12 µs of a binary trace
  // line's ~400 (seven small ones; bench/RESULTS.md).
  private seen: NameSet | undefined;
  private readonly units: string[] = [];
  private unitOf: Uint32Array = NO_U32;
  private valueEnds: Uint32Array = NO_U32;
  private values: Float64Array = NO_F64;
  private valueCount = 0;
  /** The last unit's bytes in the line: most channels repeat it. */
  private lastUnitFrom = -1;
  private lastUnitTo = -1;
  private lastUnit = 0;

  constructor(
    private readonly scan: SkeletonScan,
    private readonly line: Buffer,
  ) {}

  get count(): number {
    return this.names.length;
  }

  /** One `"<name>": {...}` member; returns the end of the channel's object, or FAILED. */
  channel(key: number, open: number): number {
    const { scan, line } = this;
    const keyEnd = scan.string(key);
    const name = plainText(line, key, keyEnd);
    if (name === null || ALL_DIGITS.test(name) || line[open] !== OPEN_BRACE) return FAILED;
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
    this.seen ??= new NameSet(line);
    if (!this.seen.add(key, keyEnd)) return FAILED;
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
      const grown = new Float64Array(Math.max(64, 2 * this.values.length, this.valueCount + count));
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
  private slots = new Int32Array(32);
  private from: Uint32Array = new Uint32Array(16);
  private to: Uint32Array = new Uint32Array(16);
  private hashes: Uint32Array = new Uint32Array(16);
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

/** The string whose quote is at `quote` and which ends just before `end`, when it has no escape or control character. */
function plainText(line: Buffer, quote: number, end: number): string | null {
  if (end === FAILED) return null;
  for (let i = quote + 1; i < end - 1; i++) {
    const c = line[i]!;
    if (c === BACKSLASH || c < 0x20) return null;
  }
  return line.toString('utf8', quote + 1, end - 1);
}

const NO_U32 = new Uint32Array(0);
const NO_F64 = new Float64Array(0);

function grownTo(column: Uint32Array, length: number): Uint32Array {
  if (length <= column.length) return column;
  const grown = new Uint32Array(Math.max(16, 2 * column.length));
  grown.set(column);
  return grown;
}
