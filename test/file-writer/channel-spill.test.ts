// A channel's spill must read back exactly what was appended, in order, whatever mix of small
// values (gathered in a reused block), big rows (written as they come) and flushes produced it,
// even when the caller reuses the memory of the values it handed over, and however often the
// shared descriptors are closed and reopened (the tests keep at most two open).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppendFiles } from '../../src/actors/file-writer/append-files.js';
import { ChannelSpill } from '../../src/actors/file-writer/channel-spill.js';
import { readFloat64Chunks, readRows, readStampChunks } from '../../src/actors/file-writer/spill-reader.js';

const dirs: string[] = [];
let files = new AppendFiles(2);
afterEach(() => {
  files.closeAll();
  files = new AppendFiles(2);
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function newSpill(shape: 'single' | 'multi', name = '1'): ChannelSpill {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-channel-spill-'));
  dirs.push(dir);
  return new ChannelSpill(path.join(dir, name), 'V', shape, files);
}

async function collect<T>(chunks: AsyncGenerator<T[] | Float64Array>): Promise<T[]> {
  const all: T[] = [];
  for await (const chunk of chunks) for (const item of chunk) all.push(item as T);
  return all;
}

const repeat = (timestamp: string, count: number) => ({ kind: 'repeat', timestamp, count }) as const;

describe('channel spill', () => {
  it('single channel: thousands of scalars through a reused caller buffer, then a big block, read back in order', async () => {
    const spill = newSpill('single');
    const reused = new Float64Array(1);
    const expected: number[] = [];
    for (let i = 0; i < 300_000; i++) {
      reused[0] = i === 7 ? NaN : i / 3;
      expected.push(reused[0]);
      spill.apply({ kind: 'append-values', values: reused, stamps: repeat(`t${i}`, 1) }, 'single');
    }
    const big = Float64Array.from({ length: 20_000 }, (_, i) => -i);
    expected.push(...big);
    spill.apply({ kind: 'append-values', values: big, stamps: repeat('big', big.length) }, 'single');
    spill.flush();

    const values = await collect<number>(readFloat64Chunks(spill.valuesPath));
    expect(values).toHaveLength(expected.length);
    expect(values).toEqual(expected);
    const stamps = await collect<string>(readStampChunks(spill.stampsPath));
    expect(stamps.slice(0, 3)).toEqual(['t0', 't1', 't2']);
    expect(stamps).toHaveLength(expected.length);
    expect(spill.valueCount).toBe(expected.length);
  });

  it('multi channel: small and big rows interleaved keep their order and lengths', async () => {
    const spill = newSpill('multi');
    const rows: Float64Array[] = [];
    for (let i = 0; i < 40; i++) {
      const row = Float64Array.from({ length: i % 3 === 0 ? 10_000 : 5 }, (_, k) => i * 100_000 + k);
      rows.push(row.slice());
      spill.apply({ kind: 'append-rows', rows: [row], stamps: repeat(`row${i}`, 1) }, 'multi');
      row.fill(-1); // the caller's memory is reused: what was appended must not change
    }
    spill.flush();

    const read: Float64Array[] = [];
    for await (const row of readRows(spill.valuesPath, spill.rowsPath)) read.push(row.slice());
    expect(read.map((row) => row.length)).toEqual(rows.map((row) => row.length));
    for (const [i, row] of read.entries()) expect(Array.from(row)).toEqual(Array.from(rows[i]!));
  });

  it('promote: the single values already spilled become row 0, the next rows follow', async () => {
    const spill = newSpill('single');
    spill.apply({ kind: 'append-values', values: Float64Array.of(1, 2, 3), stamps: repeat('first', 3) }, 'single');
    spill.apply(
      { kind: 'promote', rowLength: 3, row0Timestamp: 'first', rows: [Float64Array.of(4, 5, 6)], stamps: repeat('second', 1) },
      'multi',
    );
    spill.flush();
    const read: number[][] = [];
    for await (const row of readRows(spill.valuesPath, spill.rowsPath)) read.push(Array.from(row));
    expect(read).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await collect<string>(readStampChunks(spill.stampsPath))).toEqual(['first', 'second']);
  });

  it('channels sharing two descriptors: rows of three channels interleaved each land in their own files', async () => {
    const spills = [newSpill('multi', 'a'), newSpill('multi', 'b'), newSpill('multi', 'c')];
    const written: number[][][] = [[], [], []];
    for (let i = 0; i < 30; i++) {
      const which = (i * 7) % 3;
      const row = Float64Array.from({ length: 9_000 }, (_, k) => which * 1e6 + i * 1e4 + k);
      written[which]!.push(Array.from(row));
      spills[which]!.apply({ kind: 'append-rows', rows: [row], stamps: repeat(`r${i}`, 1) }, 'multi');
    }
    for (const [which, spill] of spills.entries()) {
      spill.flush();
      const read: number[][] = [];
      for await (const row of readRows(spill.valuesPath, spill.rowsPath)) read.push(Array.from(row));
      expect(read).toEqual(written[which]);
    }
  });
});
