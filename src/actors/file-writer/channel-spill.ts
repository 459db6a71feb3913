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
import { SLOT_VALUES, type Flushable, type SpillFile, type SpillFiles } from './spill-files.js';

const FLUSH_BYTES = 1 << 20;
/** The shared empty lists (see the fields). */
const NONE: number[] = [];
const NO_STAMPS: string[] = [];
const NO_VALUES: Float64Array = new Float64Array(0);

/**
 * `list` with a piece appended: a list of its own if it was the shared empty one, the last piece
 * made longer if the new one follows it in the file (a channel alone in a burst: one piece, read
 * back in big reads instead of one read per row).
 */
function pushPiece(list: number[], position: number, length: number): number[] {
  if (list === NONE) return [position, length];
  const last = list.length - 2;
  if (list[last]! + list[last + 1]! === position) list[last + 1]! += length;
  else list.push(position, length);
  return list;
}
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
   * value (a scalar each message) was ~9 % of the file-writer's time with scalar streams. The
   * block starts as a slot of a page shared with other channels (`pendingStart` in it): an
   * ArrayBuffer per channel, with 100,000 one-value channels, was most of the garbage collector's work.
   */
  private pendingValues: Float64Array = NO_VALUES;
  private pendingStart = 0;
  private pendingCapacity = 0;
  private pendingValueCount = 0;
  // The lists below start as the shared empty one (never pushed to) and get their own on first use.
  private pendingRows: number[] = NONE;
  /** Blocks of whole lines, each without its last newline. */
  private pendingStamps: string[] = NO_STAMPS;
  private pendingStampChars = 0;
  /** What this channel told the run's budget it holds. */
  private reported = 0;
  private valuePieces: number[] = NONE;
  private rowPieces: number[] = NONE;
  private stampPieces: number[] = NONE;
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
    this.flushValues();
    if (this.pendingRows.length > 0) {
      const rows = new Uint8Array(Uint32Array.from(this.pendingRows).buffer);
      this.rowPieces = pushPiece(this.rowPieces, this.files.rows.append(rows), rows.byteLength);
    }
    if (this.pendingStamps.length > 0) {
      const text = Buffer.from(`${this.pendingStamps.join('\n')}\n`, 'utf8');
      this.stampPieces = pushPiece(this.stampPieces, this.files.stamps.append(text), text.byteLength);
    }
    this.pendingRows = NONE;
    this.pendingStamps = NO_STAMPS;
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
    const start = this.pendingStart;
    return count <= viewMax ? this.pendingValues.subarray(start, start + count) : this.pendingValues.slice(start, start + count);
  }

  /** The first `count` row lengths when none was written out yet, else undefined. */
  rowsInMemory(count: number): readonly number[] | undefined {
    if (this.rowPieces.length > 0 || count > this.pendingRows.length) return undefined;
    return this.pendingRows.slice(0, count);
  }

  /** The first `count` timestamps when none was written out yet, else undefined. */
  stampsInMemory(count: number): string[] | undefined {
    if (this.stampPieces.length > 0) return undefined;
    // One message's one timestamp (a line of 100,000 one-value channels): no split of the block.
    if (count === 1 && this.pendingStamps.length === 1 && this.pendingStamps[0]!.indexOf('\n') === -1) return [this.pendingStamps[0]!];
    const stamps = this.pendingStamps.length === 1 ? this.pendingStamps[0]!.split('\n') : this.pendingStamps.join('\n').split('\n');
    return stamps.length >= count ? stamps.slice(0, count) : undefined;
  }

  /** The values as they stand now (the pieces listed so far and a copy of what is in memory). */
  valuesNow(): SpilledBytes {
    const from = this.pendingValues.byteOffset + this.pendingStart * 8;
    const tail = new Uint8Array(this.pendingValues.buffer.slice(from, from + this.pendingValueCount * 8));
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

  private flushValues(): void {
    if (this.pendingValueCount === 0) return;
    const { buffer, byteOffset } = this.pendingValues;
    const bytes = new Uint8Array(buffer, byteOffset + this.pendingStart * 8, this.pendingValueCount * 8);
    this.valuePieces = pushPiece(this.valuePieces, this.files.values.append(bytes), bytes.byteLength);
    this.pendingValueCount = 0;
  }

  /** `values` may be a view of memory the caller reuses: it is written or copied now. */
  private appendValues(values: Float64Array): void {
    if (values.byteLength >= DIRECT_WRITE_BYTES) {
      // The values before these go first; the row lengths and stamps, in files of their own, wait
      // for their 1 MiB (two syscalls a trace, and two reads a trace at the end, saved).
      this.flushValues();
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      this.valuePieces = pushPiece(this.valuePieces, this.files.values.append(bytes), bytes.byteLength);
    } else {
      this.reserve(values.length);
      this.pendingValues.set(values, this.pendingStart + this.pendingValueCount);
      this.pendingValueCount += values.length;
    }
    this.valueCount += values.length;
  }

  /**
   * Room for `count` more pending values: a shared slot first, then a block of the channel's own
   * (doubling: it grows to what the channel needs).
   */
  private reserve(count: number): void {
    const needed = this.pendingValueCount + count;
    if (needed <= this.pendingCapacity) return;
    if (this.pendingCapacity === 0 && needed <= SLOT_VALUES) {
      const slot = this.files.smallSlot();
      this.pendingValues = slot.page;
      this.pendingStart = slot.start;
      this.pendingCapacity = SLOT_VALUES;
      return;
    }
    const grown = new Float64Array(Math.max(needed, 2 * this.pendingCapacity, 2 * SLOT_VALUES));
    grown.set(this.pendingValues.subarray(this.pendingStart, this.pendingStart + this.pendingValueCount));
    this.pendingValues = grown;
    this.pendingStart = 0;
    this.pendingCapacity = grown.length;
  }

  private appendRow(row: Float64Array): void {
    this.appendValues(row);
    if (this.pendingRows === NONE) this.pendingRows = [];
    this.pendingRows.push(row.length);
    this.rowCount++;
  }

  private appendStamps(stamps: Stamps): void {
    const count = stampsLength(stamps);
    if (count === 0) return;
    // One text block per message; a repeated stamp is not expanded into an array first.
    const block =
      stamps.kind === 'repeat'
        ? count === 1
          ? stamps.timestamp
          : `${stamps.timestamp}\n`.repeat(count).slice(0, -1)
        : sliceStamps(stamps).join('\n');
    if (this.pendingStamps === NO_STAMPS) this.pendingStamps = [block];
    else this.pendingStamps.push(block);
    this.pendingStampChars += block.length + 1;
    this.stampCount += count;
  }

  /**
   * The channel's only message so far (its values) becomes row 0, stamped once. Its rows and
   * stamps start again (new lists: a reader keeps the ones it took).
   */
  private promote(rowLength: number, row0Timestamp: string): void {
    this.rowPieces = NONE;
    this.stampPieces = NONE;
    this.pendingRows = [rowLength];
    this.pendingStamps = [row0Timestamp];
    this.pendingStampChars = row0Timestamp.length + 1;
    this.rowCount = 1;
    this.stampCount = 1;
  }
}
