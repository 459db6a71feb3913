/**
 * The Parquet export's columns, each read ahead from the run file only as far as the record
 * batch being built needs (one cursor per column, so the device's channels are consumed in
 * lockstep and none is held whole). A column shorter than the batch is padded with nulls.
 */
import { type Data, Field, FixedSizeList, Float64, List, makeData, TimestampNanosecond } from 'apache-arrow';
import type { ChannelEntry } from '../../protocol/run-file/model.js';
import type { RunFile } from '../../runtime/run-file/run-file.js';
import { ChannelStamps, NAT } from './stamps.js';

export interface Column {
  readonly field: Field;
  /** Entries in the file (from its index); rows past them are nulls. */
  readonly entries: number;
  /** Bytes one of its entries takes in a batch, on average (from the index). */
  readonly rowBytes: number;
  /**
   * How many of the next `maxRows` rows fit in `maxBytes` (at least one; rows past the column's
   * end are nulls and cost nothing). Reads ahead as needed.
   */
  fit(maxRows: number, maxBytes: number): Promise<number>;
  /** The next `rows` rows (after `fit` said they fit). */
  take(rows: number): Data;
  /** Once the file is written: says what had to be changed (timestamps that are not RFC 3339). */
  finish?(): void;
}

/** A channel's two column names. */
export interface ColumnNames {
  readonly value: string;
  readonly timestamp: string;
}

/**
 * Each channel's column names: its value column is its name, its timestamp column `<name>
 * timestamp`, unless another channel is named so (`x` and `x timestamp`): then `_2`, `_3`, … is
 * appended to the timestamp column's name until it is unique.
 */
export function columnNames(channels: readonly ChannelEntry[]): ColumnNames[] {
  const used = new Set(channels.map((c) => c.name));
  return channels.map((channel) => {
    const base = `${channel.name} timestamp`;
    let timestamp = base;
    for (let n = 2; used.has(timestamp); n++) timestamp = `${base}_${n}`;
    used.add(timestamp);
    return { value: channel.name, timestamp };
  });
}

/**
 * The value column and the timestamp column of a channel, in a file of `rows` rows. A trace is
 * a FixedSizeList<float64> when its rows all have one length and fill the file's rows, else a
 * List<float64>: a null fixed-size list takes its full size in memory, and pyarrow up to 25
 * cannot read one from Parquet (apache/arrow#35692).
 */
export function channelColumns(run: RunFile, channel: ChannelEntry, rows: number, names: ColumnNames): Column[] {
  // The channel's true name: a column's name may have a suffix (columnNames).
  const metadata = new Map([
    ['unit', channel.unit],
    ['rex.channel', channel.name],
  ]);
  const stamps = new Field(names.timestamp, new TimestampNanosecond('UTC'), true, new Map([['rex.channel', channel.name]]));
  const item = new Field('item', new Float64(), true);
  const values =
    channel.shape === 'single'
      ? new ValueColumn(new Field(names.value, new Float64(), true, metadata), channel.count, run.values(channel))
      : new RowColumn(
          new Field(
            names.value,
            channel.rowLength !== null && channel.count === rows ? new FixedSizeList(channel.rowLength, item) : new List(item),
            true,
            metadata,
          ),
          channel,
          run.rows(channel),
        );
  const timestamps = new TimestampColumn(stamps, channel.timestampCount, run.timestamps(channel), new ChannelStamps(run.path, channel));
  return [values, timestamps];
}

/** A queue of chunks from an async stream, read from the front. */
class Chunks<T> {
  readonly items: T[] = [];
  /** Items of the first chunk already taken. */
  offset = 0;
  private ended = false;
  private readonly source: AsyncIterator<T>;

  constructor(source: AsyncIterable<T>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Reads one more chunk; false at the end of the stream. */
  async load(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) this.ended = true;
    else this.items.push(next.value);
    return !next.done;
  }
}

/** Validity bits for `rows` rows of which `valid(i)` are present; null when all are. */
function validity(rows: number, valid: (row: number) => boolean): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const bits = new Uint8Array((rows + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < rows; i++) {
    if (valid(i)) bits[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return { nullBitmap: nullCount === 0 ? undefined : bits, nullCount };
}

/** Fills `rows` rows from flat chunks (values or timestamp strings); returns how many were there. */
async function fitFlat<T extends { length: number }>(chunks: Chunks<T>, maxRows: number): Promise<number> {
  let buffered = chunks.items.reduce((sum, c) => sum + c.length, 0) - chunks.offset;
  while (buffered < maxRows && (await chunks.load())) buffered += chunks.items.at(-1)!.length;
  return maxRows;
}

/** Takes up to `rows` entries off flat chunks, handing each slice to `copy(chunk, from, to, at)`. */
function takeFlat<T extends { length: number }>(
  chunks: Chunks<T>,
  rows: number,
  copy: (chunk: T, from: number, to: number, at: number) => void,
): number {
  let filled = 0;
  while (filled < rows && chunks.items.length > 0) {
    const chunk = chunks.items[0]!;
    const n = Math.min(rows - filled, chunk.length - chunks.offset);
    copy(chunk, chunks.offset, chunks.offset + n, filled);
    filled += n;
    chunks.offset += n;
    if (chunks.offset === chunk.length) {
      chunks.items.shift();
      chunks.offset = 0;
    }
  }
  return filled;
}

class ValueColumn implements Column {
  readonly rowBytes = 8;
  private readonly chunks: Chunks<Float64Array>;

  constructor(
    readonly field: Field<Float64>,
    readonly entries: number,
    source: AsyncIterable<Float64Array>,
  ) {
    this.chunks = new Chunks(source);
  }

  fit(maxRows: number): Promise<number> {
    return fitFlat(this.chunks, maxRows);
  }

  take(rows: number): Data {
    const data = new Float64Array(rows);
    const filled = takeFlat(this.chunks, rows, (chunk, from, to, at) => data.set(chunk.subarray(from, to), at));
    return makeData({ type: this.field.type, length: rows, data, ...validity(rows, (i) => i < filled) });
  }
}

class TimestampColumn implements Column {
  readonly rowBytes = 8;
  private readonly chunks: Chunks<string[]>;

  constructor(
    readonly field: Field<TimestampNanosecond>,
    readonly entries: number,
    source: AsyncIterable<string[]>,
    private readonly stamps: ChannelStamps,
  ) {
    this.chunks = new Chunks(source);
  }

  fit(maxRows: number): Promise<number> {
    return fitFlat(this.chunks, maxRows);
  }

  /** A timestamp that is not RFC 3339 is null. */
  take(rows: number): Data {
    const data = new BigInt64Array(rows);
    const present = new Uint8Array(rows);
    takeFlat(this.chunks, rows, (chunk, from, to, at) => {
      const before = this.stamps.count;
      const nanos = this.stamps.toNanos(chunk.slice(from, to));
      data.set(nanos, at);
      // Each element read from a BigInt64Array is a BigInt: only when some were bad.
      if (this.stamps.count === before) present.fill(1, at, at + nanos.length);
      else for (let i = 0; i < nanos.length; i++) present[at + i] = nanos[i] === NAT ? 0 : 1;
    });
    return makeData({ type: this.field.type, length: rows, data, ...validity(rows, (i) => present[i] === 1) });
  }

  finish(): void {
    this.stamps.warn('null');
  }
}

/** A trace: FixedSizeList<float64> when every row has one length, else List<float64>. */
class RowColumn implements Column {
  readonly entries: number;
  readonly rowBytes: number;
  private readonly chunks: Chunks<Float64Array[]>;
  /** Rows read ahead (chunks flattened). */
  private rows: Float64Array[] = [];

  constructor(
    readonly field: Field<FixedSizeList<Float64> | List<Float64>>,
    channel: ChannelEntry,
    source: AsyncIterable<Float64Array[]>,
  ) {
    this.entries = channel.count;
    this.rowBytes = channel.count === 0 ? 8 : (8 * channel.points) / channel.count + 4;
    this.chunks = new Chunks(source);
  }

  async fit(maxRows: number, maxBytes: number): Promise<number> {
    let bytes = 0;
    for (let i = 0; i < maxRows; i++) {
      while (i >= this.rows.length) {
        if (!(await this.chunks.load())) return maxRows;
        for (const row of this.chunks.items.shift()!) this.rows.push(row);
      }
      bytes += 8 * this.rows[i]!.length;
      if (bytes > maxBytes && i > 0) return i;
    }
    return maxRows;
  }

  take(rows: number): Data {
    const taken = this.rows.slice(0, rows);
    this.rows = this.rows.slice(taken.length);
    const type = this.field.type;
    const nulls = validity(rows, (i) => i < taken.length);
    if (type instanceof FixedSizeList) {
      const size = type.listSize;
      const values = new Float64Array(rows * size);
      taken.forEach((row, i) => {
        if (row.length !== size) throw new Error(`${this.field.name}: a row of ${row.length} values in a trace of rows of ${size}`);
        values.set(row, i * size);
      });
      const child = makeData({ type: type.children[0]!.type, length: values.length, data: values });
      return makeData({ type, length: rows, child, ...nulls });
    }
    const valueOffsets = new Int32Array(rows + 1);
    let points = 0;
    for (let i = 0; i < rows; i++) {
      points += taken[i]?.length ?? 0;
      valueOffsets[i + 1] = points;
    }
    const values = new Float64Array(points);
    taken.forEach((row, i) => {
      values.set(row, valueOffsets[i]!);
    });
    const child = makeData({ type: type.children[0]!.type, length: points, data: values });
    return makeData({ type, length: rows, valueOffsets, child, ...nulls });
  }
}
