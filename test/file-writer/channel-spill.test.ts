// A channel's spill must read back exactly what was appended, in order, whatever mix of small
// values (gathered in a reused block), big rows (written as they come) and flushes produced it,
// even when the caller reuses the memory of the values it handed over, and whether it is read from
// memory, from the spill files shared by all channels, or both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelSpill } from '../../src/actors/file-writer/channel-spill.js';
import { SpillFiles } from '../../src/actors/file-writer/spill-files.js';
import { readFloat64Chunks, readRows, readStampChunks } from '../../src/actors/file-writer/spill-reader.js';

const dirs: string[] = [];
const opened: SpillFiles[] = [];
afterEach(() => {
  for (const files of opened.splice(0)) files.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function newFiles(budgetBytes?: number): { files: SpillFiles; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-channel-spill-'));
  dirs.push(dir);
  const files = new SpillFiles(dir, budgetBytes);
  opened.push(files);
  return { files, dir };
}

function newSpill(shape: 'single' | 'multi', files = newFiles().files): ChannelSpill {
  return new ChannelSpill('V', shape, files);
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

    const values = await collect<number>(readFloat64Chunks(spill.valuesNow()));
    expect(values).toHaveLength(expected.length);
    expect(values).toEqual(expected);
    const stamps = await collect<string>(readStampChunks(spill.stampsNow()));
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

    const read: Float64Array[] = [];
    for await (const row of readRows(spill.valuesNow(), spill.rowsNow())) read.push(row.slice());
    expect(read.map((row) => row.length)).toEqual(rows.map((row) => row.length));
    for (const [i, row] of read.entries()) expect(Array.from(row)).toEqual(Array.from(rows[i]!));
  });

  it('a channel alone sending big rows: its values are one piece of the file, its row lengths and stamps wait in memory', async () => {
    const { files, dir } = newFiles();
    const spill = newSpill('multi', files);
    const rows = Array.from({ length: 200 }, (_, i) => Float64Array.from({ length: 10_000 + (i % 3) }, (_, k) => i * 1e5 + k));
    for (const [i, row] of rows.entries()) spill.apply({ kind: 'append-rows', rows: [row], stamps: repeat(`row${i}`, 1) }, 'multi');

    expect(spill.valuesNow().pieces).toHaveLength(2);
    expect(spill.rowsNow().pieces).toHaveLength(0);
    expect(spill.stampsNow().pieces).toHaveLength(0);
    expect(fs.statSync(path.join(dir, 'rows.u32')).size).toBe(0);
    expect(fs.statSync(path.join(dir, 'stamps.txt')).size).toBe(0);
    const readBack = async () => {
      const differing: number[] = [];
      let count = 0;
      for await (const row of readRows(spill.valuesNow(), spill.rowsNow())) {
        const sent = rows[count]!;
        if (!Buffer.from(row.buffer, row.byteOffset, row.byteLength).equals(Buffer.from(sent.buffer))) differing.push(count);
        count++;
      }
      return { count, differing };
    };
    expect(await readBack()).toEqual({ count: rows.length, differing: [] });
    expect(await collect<string>(readStampChunks(spill.stampsNow()))).toEqual(rows.map((_, i) => `row${i}`));

    // Written out, they read back the same from the files.
    spill.flush();
    expect(fs.statSync(path.join(dir, 'rows.u32')).size).toBe(rows.length * 4);
    expect(await readBack()).toEqual({ count: rows.length, differing: [] });
  });

  it('promote: the single values already spilled become row 0, the next rows follow', async () => {
    const spill = newSpill('single');
    spill.apply({ kind: 'append-values', values: Float64Array.of(1, 2, 3), stamps: repeat('first', 3) }, 'single');
    spill.apply(
      { kind: 'promote', rowLength: 3, row0Timestamp: 'first', rows: [Float64Array.of(4, 5, 6)], stamps: repeat('second', 1) },
      'multi',
    );
    const read: number[][] = [];
    for await (const row of readRows(spill.valuesNow(), spill.rowsNow())) read.push(Array.from(row));
    expect(read).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await collect<string>(readStampChunks(spill.stampsNow()))).toEqual(['first', 'second']);
  });

  it('channels sharing the spill files: rows of three channels interleaved each read back as their own', async () => {
    const { files } = newFiles();
    const spills = [newSpill('multi', files), newSpill('multi', files), newSpill('multi', files)];
    const written: number[][][] = [[], [], []];
    for (let i = 0; i < 30; i++) {
      const which = (i * 7) % 3;
      const row = Float64Array.from({ length: 9_000 }, (_, k) => which * 1e6 + i * 1e4 + k);
      written[which]!.push(Array.from(row));
      spills[which]!.apply({ kind: 'append-rows', rows: [row], stamps: repeat(`r${i}`, 1) }, 'multi');
    }
    for (const [which, spill] of spills.entries()) {
      const read: number[][] = [];
      for await (const row of readRows(spill.valuesNow(), spill.rowsNow())) read.push(Array.from(row));
      expect(read).toEqual(written[which]);
    }
  });

  it('promote after the first message was spilled: row 0 keeps its values, its stamps are replaced', async () => {
    const spill = newSpill('single');
    const first = Float64Array.from({ length: 9_000 }, (_, k) => k); // 72 KB: written at once
    spill.apply({ kind: 'append-values', values: first, stamps: repeat('first', first.length) }, 'single');
    spill.flush();
    spill.apply(
      { kind: 'promote', rowLength: first.length, row0Timestamp: 'first', rows: [first.map((x) => -x)], stamps: repeat('second', 1) },
      'multi',
    );
    const read: Float64Array[] = [];
    for await (const row of readRows(spill.valuesNow(), spill.rowsNow())) read.push(row.slice());
    expect(read.map((row) => row[1])).toEqual([1, -1]);
    expect(await collect<string>(readStampChunks(spill.stampsNow()))).toEqual(['first', 'second']);
  });

  // The cost of a message must not grow with the channels already seen: 20,000 channels make no
  // file of their own and, while small, no write at all; the run's budget writes them out together.
  it('many small channels: three spill files whatever their number, nothing written until the budget is spent', async () => {
    const { files, dir } = newFiles(1 << 20);
    const spills = Array.from({ length: 20_000 }, () => newSpill('single', files));
    const spilledBytes = () => fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
    const stamp = '2026-01-16T06:35:32Z';
    for (const [i, spill] of spills.entries())
      spill.apply({ kind: 'append-values', values: Float64Array.of(i), stamps: repeat(stamp, 1) }, 'single');
    expect(fs.readdirSync(dir).sort()).toEqual(['rows.u32', 'stamps.txt', 'values.f64']);
    expect(spilledBytes()).toBe(0); // 20,000 × 29 bytes: under the 1 MiB budget

    for (let round = 1; round <= 2; round++) {
      for (const [i, spill] of spills.entries())
        spill.apply({ kind: 'append-values', values: Float64Array.of(round * 1e5 + i), stamps: repeat(stamp, 1) }, 'single');
    }
    expect(fs.readdirSync(dir)).toHaveLength(3);
    expect(spilledBytes()).toBeGreaterThan(1 << 20); // the budget was spent: every channel wrote out
    for (const i of [0, 777, 19_999]) {
      const spill = spills[i]!;
      expect(await collect<number>(readFloat64Chunks(spill.valuesNow()))).toEqual([i, 1e5 + i, 2e5 + i]);
      expect(await collect<string>(readStampChunks(spill.stampsNow()))).toEqual([stamp, stamp, stamp]);
    }
  });
});
