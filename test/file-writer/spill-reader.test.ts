// The spill reader hands rows and chunks out as views of one block: what a consumer sees of each,
// taken before it asks for the next, must be exactly what was spilled, whatever the row sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFloat64Chunks, readRows, readStampChunks } from '../../src/actors/file-writer/spill-reader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function spill(rows: Float64Array[]): { valuesPath: string; rowsPath: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-spill-'));
  dirs.push(dir);
  const valuesPath = path.join(dir, '0.f64');
  const rowsPath = path.join(dir, '0.u32');
  fs.writeFileSync(valuesPath, Buffer.concat(rows.map((row) => Buffer.from(row.buffer, row.byteOffset, row.byteLength))));
  fs.writeFileSync(rowsPath, Buffer.from(Uint32Array.from(rows, (row) => row.length).buffer));
  return { valuesPath, rowsPath };
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
    const { valuesPath, rowsPath } = spill(rows);
    const read: Float64Array[] = [];
    for await (const row of readRows(valuesPath, rowsPath)) read.push(row.slice());
    expect(read.map((row) => row.length)).toEqual(rows.map((row) => row.length));
    for (const [i, row] of read.entries()) expect(bytesOf(row).equals(bytesOf(rows[i]!))).toBe(true);
  });

  it('a values file shorter than its rows say: the missing values read as zeros', async () => {
    const { valuesPath, rowsPath } = spill([ramp(4, 1), ramp(4, 5)]);
    fs.truncateSync(valuesPath, 6 * 8);
    const read: number[][] = [];
    for await (const row of readRows(valuesPath, rowsPath)) read.push(Array.from(row));
    expect(read).toEqual([
      [1, 1.125, 1.25, 1.375],
      [5, 5.125, 0, 0],
    ]);
  });

  it('values come back whole, in chunks of at most 4 MiB', async () => {
    const values = ramp(1_300_000, 3);
    const { valuesPath } = spill([values]);
    const chunks: Float64Array[] = [];
    for await (const chunk of readFloat64Chunks(valuesPath)) chunks.push(chunk.slice());
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
    const { valuesPath, rowsPath } = spill([values.subarray(0, 700_000), values.subarray(700_000)]);
    let count = 0;
    let last = Number.NaN;
    for await (const chunk of readFloat64Chunks(valuesPath, 1_000_001)) {
      count += chunk.length;
      last = chunk[chunk.length - 1]!;
    }
    expect(count).toBe(1_000_001);
    expect(last).toBe(values[1_000_000]);
    const rows: number[] = [];
    for await (const row of readRows(valuesPath, rowsPath, 1)) rows.push(row.length);
    expect(rows).toEqual([700_000]);

    const stampsPath = path.join(path.dirname(valuesPath), '0.txt');
    fs.writeFileSync(stampsPath, 'a\nb\nc\nd\n');
    const stamps: string[] = [];
    for await (const chunk of readStampChunks(stampsPath, 3)) stamps.push(...chunk);
    expect(stamps).toEqual(['a', 'b', 'c']);
  });
});
