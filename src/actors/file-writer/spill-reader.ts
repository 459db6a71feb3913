/**
 * Streams a channel's spill files back in bounded chunks, for the TOML renderer.
 */
import fs from 'node:fs';

const CHUNK_BYTES = 1 << 20;

/** The values file as Float64Array chunks of at most 1 MiB. */
export async function* readFloat64Chunks(valuesPath: string): AsyncGenerator<Float64Array> {
  const handle = await fs.promises.open(valuesPath, 'r');
  try {
    let position = 0;
    for (;;) {
      const chunk = new Float64Array(CHUNK_BYTES / 8);
      const bytes = new Uint8Array(chunk.buffer);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield chunk.subarray(0, Math.floor(bytesRead / 8));
    }
  } finally {
    await handle.close();
  }
}

/** One Float64Array per row, sized by the rows file. */
export async function* readRows(valuesPath: string, rowsPath: string): AsyncGenerator<Float64Array> {
  const rowLengths = new Uint32Array(new Uint8Array(await fs.promises.readFile(rowsPath)).buffer);
  const handle = await fs.promises.open(valuesPath, 'r');
  try {
    let position = 0;
    for (const length of rowLengths) {
      const row = new Float64Array(length);
      if (length > 0) await handle.read(new Uint8Array(row.buffer), 0, length * 8, position);
      position += length * 8;
      yield row;
    }
  } finally {
    await handle.close();
  }
}

/** Timestamps, in chunks of whole lines. */
export async function* readStampChunks(stampsPath: string): AsyncGenerator<string[]> {
  let carry = '';
  for await (const chunk of fs.createReadStream(stampsPath, { encoding: 'utf8', highWaterMark: CHUNK_BYTES })) {
    const text = carry + (chunk as string);
    const lastNewline = text.lastIndexOf('\n');
    carry = text.slice(lastNewline + 1);
    if (lastNewline >= 0) yield text.slice(0, lastNewline).split('\n');
  }
  if (carry.length > 0) yield [carry];
}
