/**
 * Streams a channel's spill files back in bounded chunks, for the TOML renderer.
 *
 * Values are read into one block per channel and handed out as views of it: each chunk or row is
 * valid until the next one is asked for (the renderer formats or copies it before that). A final
 * file of 5 GB used to allocate a fresh array per row, 25,000 times 80 KB, each page of it
 * faulting in, and one read per row.
 */
import fs from 'node:fs';

const CHUNK_BYTES = 1 << 20;
const BLOCK_VALUES = (4 << 20) / 8;

/** The values file (its first `maxValues`) as Float64Array chunks of at most 4 MiB (views of one block). */
export async function* readFloat64Chunks(valuesPath: string, maxValues = Infinity): AsyncGenerator<Float64Array> {
  const handle = await fs.promises.open(valuesPath, 'r');
  try {
    const { size } = await handle.stat();
    const end = Math.min(size, maxValues * 8);
    const block = new Float64Array(Math.max(1, Math.min(BLOCK_VALUES, Math.ceil(end / 8))));
    const bytes = new Uint8Array(block.buffer);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(bytes, 0, Math.min(bytes.length, end - position), position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield block.subarray(0, Math.floor(bytesRead / 8));
    }
  } finally {
    await handle.close();
  }
}

/**
 * One Float64Array per row (the first `maxRows`), sized by the rows file (views of one block; a
 * longer row gets its own).
 */
export async function* readRows(valuesPath: string, rowsPath: string, maxRows = Infinity): AsyncGenerator<Float64Array> {
  const allRowLengths = new Uint32Array(new Uint8Array(await fs.promises.readFile(rowsPath)).buffer);
  const rowLengths = allRowLengths.subarray(0, Math.min(allRowLengths.length, maxRows));
  const total = rowLengths.reduce((sum, length) => sum + length, 0);
  const block = new Float64Array(Math.min(BLOCK_VALUES, total));
  const handle = await fs.promises.open(valuesPath, 'r');
  try {
    let position = 0;
    let row = 0;
    while (row < rowLengths.length) {
      if (rowLengths[row]! > block.length) {
        const own = new Float64Array(rowLengths[row]!);
        position = await readInto(handle, own, position);
        row++;
        yield own;
        continue;
      }
      // As many whole rows as the block holds, in one read.
      let count = 0;
      let values = 0;
      while (row + count < rowLengths.length && values + rowLengths[row + count]! <= block.length) values += rowLengths[row + count++]!;
      position = await readInto(handle, block.subarray(0, values), position);
      for (let at = 0; count > 0; count--, row++) {
        yield block.subarray(at, at + rowLengths[row]!);
        at += rowLengths[row]!;
      }
    }
  } finally {
    await handle.close();
  }
}

/** Fills `target` from `position`; what the file does not hold reads as zeros. Returns the next position. */
async function readInto(handle: fs.promises.FileHandle, target: Float64Array, position: number): Promise<number> {
  const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  const { bytesRead } = bytes.length > 0 ? await handle.read(bytes, 0, bytes.length, position) : { bytesRead: 0 };
  if (bytesRead < bytes.length) bytes.fill(0, bytesRead);
  return position + bytes.length;
}

/** Timestamps (the first `maxStamps`), in chunks of whole lines. */
export async function* readStampChunks(stampsPath: string, maxStamps = Infinity): AsyncGenerator<string[]> {
  let carry = '';
  let left = maxStamps;
  for await (const chunk of fs.createReadStream(stampsPath, { encoding: 'utf8', highWaterMark: CHUNK_BYTES })) {
    const text = carry + (chunk as string);
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
  if (carry.length > 0 && left > 0) yield [carry];
}
