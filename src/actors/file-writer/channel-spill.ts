/**
 * One channel's data while the run goes on, so the final TOML can be written channel by channel
 * without holding the run in memory: pieces of the run's shared spill files (spill-files.ts)
 * followed by what is still in memory:
 *   values  every value as little-endian float64 (bit-exact; NaN and ±Inf survive)
 *   rows    multi channels: the length of each row, in order (u32)
 *   stamps  one timestamp per value (single) or row (multi), newline-terminated
 * Data stays in memory until the channel holds 1 MiB or the run's budget is spent: a channel that
 * gets a few values costs no syscall at all, and is rendered from memory.
 */
import { sliceStamps, stampsLength, type ChannelShape, type StoreOp, type Stamps } from '../../protocol/merge.js';
import type { Flushable, SpillFile, SpillFiles } from './spill-files.js';

const FLUSH_BYTES = 1 << 20;
/** Values at least this big are written as they come, not copied into the pending buffers. */
const DIRECT_WRITE_BYTES = 64 * 1024;

/** A channel's bytes of one kind as they stood at one moment: pieces of a spill file, then a copy of what was in memory. */
export interface SpilledBytes {
  readonly file: SpillFile;
  /** position, length, position, length, … */
  readonly pieces: readonly number[];
  readonly tail: Uint8Array;
}

export class ChannelSpill implements Flushable {
  shape: ChannelShape;
  /**
   * Small values gathered for one write, in a block kept from flush to flush: an allocation per
   * value (a scalar each message) was ~9 % of the file-writer's time with scalar streams.
   */
  private pendingValues = new Float64Array(0);
  private pendingValueCount = 0;
  private pendingRows: number[] = [];
  /** Blocks of whole lines, each without its last newline. */
  private pendingStamps: string[] = [];
  private pendingStampChars = 0;
  /** What this channel told the run's budget it holds. */
  private reported = 0;
  private valuePieces: number[] = [];
  private rowPieces: number[] = [];
  private stampPieces: number[] = [];
  valueCount = 0;
  rowCount = 0;
  stampCount = 0;

  constructor(
    readonly unit: string,
    shape: ChannelShape,
    private readonly files: SpillFiles,
  ) {
    this.shape = shape;
  }

  apply(op: StoreOp, shapeAfter: ChannelShape): void {
    switch (op.kind) {
      case 'none':
        break;
      case 'append-values':
        this.appendValues(op.values);
        this.appendStamps(op.stamps);
        break;
      case 'append-rows':
        for (const row of op.rows) this.appendRow(row);
        this.appendStamps(op.stamps);
        break;
      case 'promote':
        this.promote(op.rowLength, op.row0Timestamp);
        for (const row of op.rows) this.appendRow(row);
        this.appendStamps(op.stamps);
        break;
    }
    this.shape = shapeAfter;
    const held = this.pendingBytes;
    if (held >= FLUSH_BYTES) {
      this.flush();
    } else if (held !== this.reported) {
      this.files.held(this, held - this.reported);
      this.reported = held;
    }
  }

  /** Writes what is in memory to the spill files. */
  flush(): void {
    if (this.pendingValueCount > 0) {
      const bytes = new Uint8Array(this.pendingValues.buffer, 0, this.pendingValueCount * 8);
      this.valuePieces.push(this.files.values.append(bytes), bytes.byteLength);
    }
    if (this.pendingRows.length > 0) {
      const rows = new Uint8Array(Uint32Array.from(this.pendingRows).buffer);
      this.rowPieces.push(this.files.rows.append(rows), rows.byteLength);
    }
    if (this.pendingStamps.length > 0) {
      const text = Buffer.from(`${this.pendingStamps.join('\n')}\n`, 'utf8');
      this.stampPieces.push(this.files.stamps.append(text), text.byteLength);
    }
    this.pendingValueCount = 0;
    this.pendingRows = [];
    this.pendingStamps = [];
    this.pendingStampChars = 0;
    if (this.reported !== 0) this.files.released(this, this.reported);
    this.reported = 0;
  }

  /**
   * The first `count` values when none was written out yet, else undefined. Up to `viewMax` of
   * them come as a view of the memory that holds them, valid until the run goes on (the renderer
   * formats such a short run before the event loop turns); more, as a copy.
   */
  valuesInMemory(count: number, viewMax = 0): Float64Array | undefined {
    if (this.valuePieces.length > 0 || count > this.pendingValueCount) return undefined;
    return count <= viewMax ? this.pendingValues.subarray(0, count) : this.pendingValues.slice(0, count);
  }

  /** The first `count` row lengths when none was written out yet, else undefined. */
  rowsInMemory(count: number): readonly number[] | undefined {
    if (this.rowPieces.length > 0 || count > this.pendingRows.length) return undefined;
    return this.pendingRows.slice(0, count);
  }

  /** The first `count` timestamps when none was written out yet, else undefined. */
  stampsInMemory(count: number): string[] | undefined {
    if (this.stampPieces.length > 0) return undefined;
    const stamps = this.pendingStamps.length === 1 ? this.pendingStamps[0]!.split('\n') : this.pendingStamps.join('\n').split('\n');
    return stamps.length >= count ? stamps.slice(0, count) : undefined;
  }

  /** The values as they stand now (the pieces listed so far and a copy of what is in memory). */
  valuesNow(): SpilledBytes {
    const tail = new Uint8Array(this.pendingValues.buffer.slice(0, this.pendingValueCount * 8));
    return { file: this.files.values, pieces: this.valuePieces.slice(), tail };
  }

  rowsNow(): SpilledBytes {
    return { file: this.files.rows, pieces: this.rowPieces.slice(), tail: new Uint8Array(Uint32Array.from(this.pendingRows).buffer) };
  }

  stampsNow(): SpilledBytes {
    const tail = this.pendingStamps.length > 0 ? Buffer.from(`${this.pendingStamps.join('\n')}\n`, 'utf8') : new Uint8Array(0);
    return { file: this.files.stamps, pieces: this.stampPieces.slice(), tail };
  }

  private get pendingBytes(): number {
    return this.pendingValueCount * 8 + this.pendingRows.length * 4 + this.pendingStampChars;
  }

  /** `values` may be a view of memory the caller reuses: it is written or copied now. */
  private appendValues(values: Float64Array): void {
    if (values.byteLength >= DIRECT_WRITE_BYTES) {
      this.flush();
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      this.valuePieces.push(this.files.values.append(bytes), bytes.byteLength);
    } else {
      this.reserve(values.length);
      this.pendingValues.set(values, this.pendingValueCount);
      this.pendingValueCount += values.length;
    }
    this.valueCount += values.length;
  }

  /** Room for `count` more pending values (doubling: the block grows to what the channel needs). */
  private reserve(count: number): void {
    const needed = this.pendingValueCount + count;
    if (needed <= this.pendingValues.length) return;
    const grown = new Float64Array(Math.max(needed, 2 * this.pendingValues.length, 8));
    grown.set(this.pendingValues.subarray(0, this.pendingValueCount));
    this.pendingValues = grown;
  }

  private appendRow(row: Float64Array): void {
    this.appendValues(row);
    this.pendingRows.push(row.length);
    this.rowCount++;
  }

  private appendStamps(stamps: Stamps): void {
    const count = stampsLength(stamps);
    if (count === 0) return;
    // One text block per message; a repeated stamp is not expanded into an array first.
    const block = stamps.kind === 'repeat' ? `${stamps.timestamp}\n`.repeat(count).slice(0, -1) : sliceStamps(stamps).join('\n');
    this.pendingStamps.push(block);
    this.pendingStampChars += block.length + 1;
    this.stampCount += count;
  }

  /**
   * The channel's only message so far (its values) becomes row 0, stamped once. Its rows and
   * stamps start again (new lists: a reader keeps the ones it took).
   */
  private promote(rowLength: number, row0Timestamp: string): void {
    this.rowPieces = [];
    this.stampPieces = [];
    this.pendingRows = [rowLength];
    this.pendingStamps = [row0Timestamp];
    this.pendingStampChars = row0Timestamp.length + 1;
    this.rowCount = 1;
    this.stampCount = 1;
  }
}
