/**
 * Streams a channel's spilled data back in bounded chunks, for the TOML renderer.
 *
 * Values are read into one block per channel and handed out as views of it: each chunk or row is
 * valid until the next one is asked for (the renderer formats or copies it before that). A final
 * file of 5 GB used to allocate a fresh array per row, 25,000 times 80 KB, each page of it
 * faulting in, and one read per row. Data still in memory is copied, not read: no syscall.
 */
import { StringDecoder } from 'node:string_decoder';
import type { SpilledBytes } from './channel-spill.js';

const CHUNK_BYTES = 1 << 20;
const BLOCK_VALUES = (4 << 20) / 8;

function totalBytes({ pieces, tail }: SpilledBytes): number {
  let total = tail.byteLength;
  for (let i = 1; i < pieces.length; i += 2) total += pieces[i]!;
  return total;
}

/** Reads spilled bytes front to back: the file's pieces, then the tail. */
class SpillCursor {
  private piece = 0;
  private inPiece = 0;
  private inTail = 0;

  constructor(private readonly source: SpilledBytes) {}

  /** Fills `target` with the next bytes; what the source does not hold reads as zeros. */
  async fill(target: Uint8Array): Promise<void> {
    const { file, pieces, tail } = this.source;
    let done = 0;
    while (done < target.byteLength && this.piece < pieces.length) {
      const length = pieces[this.piece + 1]!;
      const n = Math.min(length - this.inPiece, target.byteLength - done);
      const part = target.subarray(done, done + n);
      const read = await file.readAt(part, pieces[this.piece]! + this.inPiece);
      if (read < n) part.fill(0, read);
      done += n;
      this.inPiece += n;
      if (this.inPiece >= length) {
        this.piece += 2;
        this.inPiece = 0;
      }
    }
    const n = Math.min(tail.byteLength - this.inTail, target.byteLength - done);
    if (n > 0) {
      target.set(tail.subarray(this.inTail, this.inTail + n), done);
      this.inTail += n;
      done += n;
    }
    if (done < target.byteLength) target.fill(0, done);
  }
}

/** The values (the first `maxValues`) as Float64Array chunks of at most 4 MiB (views of one block). */
export async function* readFloat64Chunks(values: SpilledBytes, maxValues = Infinity): AsyncGenerator<Float64Array> {
  const count = Math.min(Math.floor(totalBytes(values) / 8), maxValues);
  const block = new Float64Array(Math.max(1, Math.min(BLOCK_VALUES, count)));
  const cursor = new SpillCursor(values);
  for (let done = 0; done < count; ) {
    const chunk = block.subarray(0, Math.min(block.length, count - done));
    await cursor.fill(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    done += chunk.length;
    yield chunk;
  }
}

/**
 * One Float64Array per row (the first `maxRows`), sized by the row lengths (views of one block; a
 * longer row gets its own).
 */
export async function* readRows(values: SpilledBytes, rows: SpilledBytes, maxRows = Infinity): AsyncGenerator<Float64Array> {
  const allRowLengths = new Uint32Array(Math.floor(totalBytes(rows) / 4));
  await new SpillCursor(rows).fill(new Uint8Array(allRowLengths.buffer));
  const rowLengths = allRowLengths.subarray(0, Math.min(allRowLengths.length, maxRows));
  const total = rowLengths.reduce((sum, length) => sum + length, 0);
  const block = new Float64Array(Math.min(BLOCK_VALUES, total));
  const cursor = new SpillCursor(values);
  const fill = (target: Float64Array) => cursor.fill(new Uint8Array(target.buffer, target.byteOffset, target.byteLength));
  let row = 0;
  while (row < rowLengths.length) {
    if (rowLengths[row]! > block.length) {
      const own = new Float64Array(rowLengths[row]!);
      await fill(own);
      row++;
      yield own;
      continue;
    }
    // As many whole rows as the block holds, in one read.
    let count = 0;
    let length = 0;
    while (row + count < rowLengths.length && length + rowLengths[row + count]! <= block.length) length += rowLengths[row + count++]!;
    await fill(block.subarray(0, length));
    for (let at = 0; count > 0; count--, row++) {
      yield block.subarray(at, at + rowLengths[row]!);
      at += rowLengths[row]!;
    }
  }
}

/** Timestamps (the first `maxStamps`), in chunks of whole lines. */
export async function* readStampChunks(stamps: SpilledBytes, maxStamps = Infinity): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  const cursor = new SpillCursor(stamps);
  const block = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, totalBytes(stamps)));
  let carry = '';
  let left = maxStamps;
  for (let rest = totalBytes(stamps); rest > 0 && left > 0; ) {
    const bytes = block.subarray(0, Math.min(block.length, rest));
    await cursor.fill(bytes);
    rest -= bytes.length;
    const text = carry + decoder.write(bytes);
    const lastNewline = text.lastIndexOf('\n');
    carry = text.slice(lastNewline + 1);
    if (lastNewline < 0) continue;
    const lines = text.slice(0, lastNewline).split('\n');
    if (lines.length >= left) {
      yield lines.slice(0, left);
      return;
    }
    left -= lines.length;
    yield lines;
  }
  carry += decoder.end();
  if (carry.length > 0 && left > 0) yield [carry];
}
