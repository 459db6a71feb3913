// The spill reader hands rows and chunks out as views of one block: what a consumer sees of each,
// taken before it asks for the next, must be exactly what was spilled, whatever the row sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpilledBytes } from '../../src/actors/file-writer/channel-spill.js';
import { SpillFile } from '../../src/actors/file-writer/spill-files.js';
import { readFloat64Chunks, readRows, readStampChunks } from '../../src/actors/file-writer/spill-reader.js';

const dirs: string[] = [];
const files: SpillFile[] = [];
afterEach(() => {
  for (const file of files.splice(0)) file.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** `data` in a spill file, as one piece (or in pieces of `pieceBytes`), after some other bytes. */
function spilled(data: Uint8Array, name: string, pieceBytes = data.byteLength): SpilledBytes {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-spill-'));
  dirs.push(dir);
  const file = new SpillFile(path.join(dir, name));
  files.push(file);
  file.append(new Uint8Array(24).fill(0xee)); // another channel's bytes
  const pieces: number[] = [];
  for (let at = 0; at < data.byteLength; at += pieceBytes) {
    const piece = data.subarray(at, Math.min(data.byteLength, at + pieceBytes));
    pieces.push(file.append(piece), piece.byteLength);
  }
  return { file, pieces, tail: new Uint8Array(0) };
}

function spill(rows: Float64Array[]): { values: SpilledBytes; rows: SpilledBytes } {
  const values = Buffer.concat(rows.map((row) => Buffer.from(row.buffer, row.byteOffset, row.byteLength)));
  return {
    values: spilled(values, 'values.f64', 8 * 1000 * 1000),
    rows: spilled(new Uint8Array(Uint32Array.from(rows, (row) => row.length).buffer), 'rows.u32'),
  };
}

const ramp = (length: number, from: number): Float64Array => Float64Array.from({ length }, (_, i) => from + i / 8);
/** Bytes, so that big arrays compare fast (and bit for bit). */
const bytesOf = (values: Float64Array): Buffer => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('spill reader', () => {
  it('rows of every size, including empty ones and one longer than the block, read back exactly', async () => {
    const rows = [
      ramp(3, 0),
      ramp(0, 0),
      ramp(10_000, 1),
      ...Array.from({ length: 120 }, (_, i) => ramp(10_000, i + 2)),
      ramp(600_000, -1),
      ramp(1, 9),
      ramp(0, 0),
    ];
    const { values: valuesSpill, rows: rowsSpill } = spill(rows);
    const read: Float64Array[] = [];
    for await (const row of readRows(valuesSpill, rowsSpill)) read.push(row.slice());
    expect(read.map((row) => row.length)).toEqual(rows.map((row) => row.length));
    for (const [i, row] of read.entries()) expect(bytesOf(row).equals(bytesOf(rows[i]!))).toBe(true);
  });

  it('a values file shorter than its rows say: the missing values read as zeros', async () => {
    const { values: valuesSpill, rows: rowsSpill } = spill([ramp(4, 1), ramp(4, 5)]);
    fs.truncateSync(valuesSpill.file.path, 24 + 6 * 8);
    const read: number[][] = [];
    for await (const row of readRows(valuesSpill, rowsSpill)) read.push(Array.from(row));
    expect(read).toEqual([
      [1, 1.125, 1.25, 1.375],
      [5, 5.125, 0, 0],
    ]);
  });

  it('values come back whole, in chunks of at most 4 MiB', async () => {
    const values = ramp(1_300_000, 3);
    const { values: valuesSpill } = spill([values]);
    const chunks: Float64Array[] = [];
    for await (const chunk of readFloat64Chunks(valuesSpill)) chunks.push(chunk.slice());
    expect(chunks.length).toBeGreaterThan(2);
    expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThanOrEqual(4 << 20);
    const joined = new Float64Array(values.length);
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    expect(at).toBe(values.length);
    expect(bytesOf(joined).equals(bytesOf(values))).toBe(true);
  });

  it('reads no further than asked: values across blocks, rows, timestamps within a chunk', async () => {
    const values = ramp(1_300_000, 3);
    const { values: valuesSpill, rows: rowsSpill } = spill([values.subarray(0, 700_000), values.subarray(700_000)]);
    let count = 0;
    let last = Number.NaN;
    for await (const chunk of readFloat64Chunks(valuesSpill, 1_000_001)) {
      count += chunk.length;
      last = chunk[chunk.length - 1]!;
    }
    expect(count).toBe(1_000_001);
    expect(last).toBe(values[1_000_000]);
    const rows: number[] = [];
    for await (const row of readRows(valuesSpill, rowsSpill, 1)) rows.push(row.length);
    expect(rows).toEqual([700_000]);

    const stampsSpill = spilled(Buffer.from('a\nb\nc\nd\n'), 'stamps.txt');
    const stamps: string[] = [];
    for await (const chunk of readStampChunks(stampsSpill, 3)) stamps.push(...chunk);
    expect(stamps).toEqual(['a', 'b', 'c']);
  });
});
