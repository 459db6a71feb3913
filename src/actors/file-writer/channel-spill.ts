/**
 * One channel's data on disk while the run goes on, so the final TOML can be written channel by
 * channel without holding the run in memory:
 *   <n>.f64  every value as little-endian float64 (bit-exact; NaN and ±Inf survive)
 *   <n>.u32  multi channels: the length of each row, in order
 *   <n>.txt  one timestamp per value (single) or row (multi), newline-separated
 * Appends are buffered and flushed in large writes; `flush()` before reading.
 */
import fs from 'node:fs';
import type { AppendFiles } from './append-files.js';
import { sliceStamps, stampsLength, type ChannelShape, type StoreOp, type Stamps } from '../../protocol/merge.js';

const FLUSH_BYTES = 1 << 20;
/** Values at least this big are written as they come, not copied into the pending buffers. */
const DIRECT_WRITE_BYTES = 64 * 1024;

export class ChannelSpill {
  shape: ChannelShape;
  /**
   * Small values gathered for one write, in a block kept from flush to flush: an allocation per
   * value (a scalar each message) was ~9 % of the file-writer's time with scalar streams.
   */
  private pendingValues = new Float64Array(0);
  private pendingValueCount = 0;
  private pendingRows: number[] = [];
  private pendingStamps: string[] = [];
  private pendingBytes = 0;
  valueCount = 0;
  rowCount = 0;
  stampCount = 0;

  /** The files exist once the first flush made them: a channel costs no syscall until then. */
  private created = false;

  /** `prefix`: a path without extension; the channel's files are `<prefix>.f64|.u32|.txt`. */
  constructor(
    readonly prefix: string,
    readonly unit: string,
    shape: ChannelShape,
    private readonly files: AppendFiles,
  ) {
    this.shape = shape;
  }

  get valuesPath(): string {
    return `${this.prefix}.f64`;
  }
  get rowsPath(): string {
    return `${this.prefix}.u32`;
  }
  get stampsPath(): string {
    return `${this.prefix}.txt`;
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
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (!this.created) {
      for (const file of [this.valuesPath, this.rowsPath, this.stampsPath]) fs.writeFileSync(file, '');
      this.created = true;
    }
    if (this.pendingValueCount > 0) {
      this.files.append(this.valuesPath, new Uint8Array(this.pendingValues.buffer, 0, this.pendingValueCount * 8));
    }
    if (this.pendingRows.length > 0) {
      const rows = Buffer.allocUnsafe(4 * this.pendingRows.length);
      this.pendingRows.forEach((length, i) => {
        rows.writeUInt32LE(length, 4 * i);
      });
      this.files.append(this.rowsPath, rows);
    }
    if (this.pendingStamps.length > 0) this.files.append(this.stampsPath, `${this.pendingStamps.join('\n')}\n`);
    this.pendingValueCount = 0;
    this.pendingRows = [];
    this.pendingStamps = [];
    this.pendingBytes = 0;
  }

  /** `values` may be a view of memory the caller reuses: it is written or copied now. */
  private appendValues(values: Float64Array): void {
    if (values.byteLength >= DIRECT_WRITE_BYTES) {
      this.flush();
      this.files.append(this.valuesPath, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    } else {
      this.reserve(values.length);
      this.pendingValues.set(values, this.pendingValueCount);
      this.pendingValueCount += values.length;
      this.pendingBytes += values.byteLength;
    }
    this.valueCount += values.length;
  }

  /** Room for `count` more pending values (doubling: the block grows to what the channel needs). */
  private reserve(count: number): void {
    const needed = this.pendingValueCount + count;
    if (needed <= this.pendingValues.length) return;
    const grown = new Float64Array(Math.max(needed, 2 * this.pendingValues.length, 64));
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
    this.pendingStamps.push(stamps.kind === 'repeat' ? `${stamps.timestamp}\n`.repeat(count).slice(0, -1) : sliceStamps(stamps).join('\n'));
    this.pendingBytes += count * 32;
    this.stampCount += count;
  }

  /** The channel's only message so far (its values) becomes row 0, stamped once. */
  private promote(rowLength: number, row0Timestamp: string): void {
    this.flush();
    fs.writeFileSync(this.rowsPath, uint32Bytes(rowLength));
    fs.writeFileSync(this.stampsPath, `${row0Timestamp}\n`);
    this.rowCount = 1;
    this.stampCount = 1;
  }
}

function uint32Bytes(value: number): Buffer {
  const buffer = Buffer.allocUnsafe(4);
  buffer.writeUInt32LE(value, 0);
  return buffer;
}
