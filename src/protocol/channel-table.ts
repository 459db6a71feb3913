/**
 * A device message's many small flat channels as columns: names, units, value counts and every
 * value in one Float64Array. A line of 100,000 one-value channels is kept so in the journal
 * (line-body.ts, a piece of a skeleton body standing for `measurements`), so that no reader of the
 * journal parses and checks 100,000 JSON objects and arrays again: each reader took ~0.4 s and
 * most of its garbage there. Its channels are then made from the columns, and the ingest reads its
 * outlines from them.
 *
 * Read from the line's bytes (line-skeleton.ts, `extractChannelTable`) only when every channel is
 * exactly a flat array of numbers and a unit: the columns then hold all there is, and a channel
 * made from them equals the one JSON.parse and the checks make (names and units as UTF-16 text,
 * values bit for bit).
 *
 * Layout (little-endian u32, one piece; its start is a multiple of 8):
 *   0   count   4   distinct units   8   name chars (UTF-16 units)   12  name bytes (UTF-8)   16  unit bytes
 *   20  count × value end (cumulative)   then count × name end (UTF-16, cumulative)
 *   then count × unit index   then units × unit end (UTF-16)
 *   then the names' UTF-8, the units' UTF-8, padding to 8, and the values as float64
 */
import { allocFloat64 } from './binary-trace.js';
import type { DeviceMessage, MeasurementChannel } from './messages.js';

/** From this many channels on a line's channels are kept as a table (fewer: the text is as cheap). */
export const TABLE_MIN_CHANNELS = 1000;

const FIXED_BYTES = 20;

export class ChannelTable {
  private encoded: Buffer | undefined;

  private constructor(
    readonly count: number,
    /** Every name, joined. */
    private readonly names: string,
    private readonly nameEnds: Uint32Array,
    private readonly units: readonly string[],
    private readonly unitOf: Uint32Array,
    private readonly valueEnds: Uint32Array,
    private readonly values: Float64Array,
  ) {}

  /** A table from its columns: `valueEnds[i]` is where channel i's values end in `values` (cumulative). */
  static fromColumns(
    names: readonly string[],
    units: readonly string[],
    unitOf: Uint32Array,
    valueEnds: Uint32Array,
    values: Float64Array,
  ): ChannelTable {
    const nameEnds = new Uint32Array(names.length);
    names.reduce((end, name, i) => (nameEnds[i] = end + name.length), 0);
    return new ChannelTable(names.length, names.join(''), nameEnds, units, unitOf, valueEnds, values);
  }

  name(index: number): string {
    return this.names.slice(index === 0 ? 0 : this.nameEnds[index - 1], this.nameEnds[index]);
  }

  unit(index: number): string {
    return this.units[this.unitOf[index]!]!;
  }

  /** How many values channel `index` has. */
  length(index: number): number {
    return this.valueEnds[index]! - (index === 0 ? 0 : this.valueEnds[index - 1]!);
  }

  /** Where channel `index`'s values start in {@link allValues}. */
  valueStart(index: number): number {
    return index === 0 ? 0 : this.valueEnds[index - 1]!;
  }

  /** Every channel's values, one after the other (channel `index`'s from `valueStart(index)`). */
  get allValues(): Float64Array {
    return this.values;
  }

  /** Channel `index`'s values: a view of the table's. */
  valuesOf(index: number): Float64Array {
    const start = this.valueStart(index);
    return new Float64Array(this.values.buffer, this.values.byteOffset + start * 8, this.valueEnds[index]! - start);
  }

  /**
   * The table with columns of its own (one decoded as views of a buffer that is reused); without
   * its values when `values` is false (its holder keeps them apart: `valuesOf` then fails).
   */
  copy(values = true): ChannelTable {
    const own = values ? this.values.slice() : new Float64Array(0);
    return new ChannelTable(this.count, this.names, this.nameEnds.slice(), this.units, this.unitOf.slice(), this.valueEnds.slice(), own);
  }

  /** Channel `index` as the parser makes it (its values a view of the table's). */
  channel(index: number): MeasurementChannel {
    return { name: this.name(index), unit: this.unit(index), data: { shape: 'single', values: this.valuesOf(index) } };
  }

  /** The table as one piece of a journal body (made once). */
  encode(): Buffer {
    this.encoded ??= this.encodeNow();
    return this.encoded;
  }

  private encodeNow(): Buffer {
    const count = this.count;
    const names = Buffer.from(this.names, 'utf8');
    const units = Buffer.from(this.units.join(''), 'utf8');
    const unitEnds = new Uint32Array(this.units.length);
    this.units.reduce((end, unit, i) => (unitEnds[i] = end + unit.length), 0);
    const columns = [this.valueEnds, this.nameEnds, this.unitOf, unitEnds];
    const textAt = FIXED_BYTES + columns.reduce((bytes, column) => bytes + column.byteLength, 0);
    const valuesAt = alignTo8(textAt + names.length + units.length);
    const piece = Buffer.alloc(valuesAt + this.values.byteLength);
    const sizes = [count, this.units.length, this.names.length, names.length, units.length];
    for (let i = 0; i < sizes.length; i++) piece.writeUInt32LE(sizes[i]!, i * 4);
    let at = FIXED_BYTES;
    for (const column of columns) {
      piece.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), at);
      at += column.byteLength;
    }
    names.copy(piece, at);
    units.copy(piece, at + names.length);
    piece.set(new Uint8Array(this.values.buffer, this.values.byteOffset, this.values.byteLength), valuesAt);
    return piece;
  }

  /**
   * A piece made by {@link encode}. `views`: the columns and values stay views of `piece` when
   * aligned (for a reader done with them before `piece`'s memory is reused); else they are copied.
   */
  static decode(piece: Buffer, views = false): ChannelTable {
    if (piece.length < FIXED_BYTES) throw new Error('journal line body: a channel table shorter than its header');
    const [count, unitCount, nameChars, nameBytes, unitBytes] = [0, 1, 2, 3, 4].map((i) => piece.readUInt32LE(i * 4)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    let at = FIXED_BYTES;
    const column = (length: number): Uint32Array => {
      const bytes = piece.subarray(at, at + length * 4);
      at += length * 4;
      if (bytes.length !== length * 4) throw new Error('journal line body: a channel table runs past its piece');
      return views && bytes.byteOffset % 4 === 0
        ? new Uint32Array(bytes.buffer, bytes.byteOffset, length)
        : new Uint32Array(Uint8Array.from(bytes).buffer);
    };
    const valueEnds = column(count);
    const nameEnds = column(count);
    const unitOf = column(count);
    const unitEnds = column(unitCount);
    const names = piece.toString('utf8', at, at + nameBytes);
    const unitText = piece.toString('utf8', at + nameBytes, at + nameBytes + unitBytes);
    const valuesAt = alignTo8(at + nameBytes + unitBytes);
    const valueCount = count === 0 ? 0 : valueEnds[count - 1]!;
    if (names.length !== nameChars || valuesAt + valueCount * 8 > piece.length)
      throw new Error('journal line body: a channel table does not add up');
    const units = Array.from(unitEnds, (end, i) => unitText.slice(i === 0 ? 0 : unitEnds[i - 1], end));
    const bytes = piece.subarray(valuesAt, valuesAt + valueCount * 8);
    let values: Float64Array;
    if (views && bytes.byteOffset % 8 === 0) {
      values = new Float64Array(bytes.buffer, bytes.byteOffset, valueCount);
    } else {
      values = allocFloat64(valueCount);
      new Uint8Array(values.buffer, values.byteOffset, bytes.length).set(bytes);
    }
    return new ChannelTable(count, names, nameEnds, units, unitOf, valueEnds, values);
  }
}

function alignTo8(length: number): number {
  return length + ((8 - (length % 8)) % 8);
}

/**
 * Device messages whose channels are exactly a table's (no device-level timestamps to give them):
 * the merge reads such a message's channels from the columns (merge.ts), without channel objects.
 */
const TABLES = new WeakMap<DeviceMessage, ChannelTable>();

export function rememberTable(message: DeviceMessage, table: ChannelTable | undefined): void {
  if (table) TABLES.set(message, table);
  else TABLES.delete(message);
}

export function tableOfMessage(message: DeviceMessage): ChannelTable | undefined {
  return TABLES.get(message);
}
