// A live write renders while the run goes on appending: each channel must be read as it stood when
// the write began, so its data and its timestamps (read at different moments) count the same.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunOutput } from '../../src/actors/file-writer/run-output.js';
import { commitMerge, createDeviceRegistry, mergeDevice } from '../../src/protocol/merge.js';
import type { OutputChannel } from '../../src/protocol/output/source.js';
import { parseLine } from '../../src/protocol/parse.js';

const outputs: RunOutput[] = [];
afterEach(() => {
  for (const output of outputs.splice(0)) output.removeSpill();
});

function newOutput(): { output: RunOutput; send: (line: string) => void } {
  const output = new RunOutput(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rex-run-output-')), 'loop-0.spill'));
  outputs.push(output);
  const devices = createDeviceRegistry();
  let second = 0;
  const send = (line: string): void => {
    const parsed = parseLine(line);
    if (parsed.kind !== 'device') throw new Error(parsed.kind === 'invalid' ? parsed.reason : parsed.kind);
    const merged = mergeDevice(devices, parsed.message, `2026-11-25T10:00:${String(second++ % 60).padStart(2, '0')}Z`);
    if (!merged.ok) throw new Error(merged.reason);
    commitMerge(devices, merged);
    output.device(parsed.message, merged);
  };
  return { output, send };
}

/** Values or timestamps: the items in all chunks. */
async function count(chunks: AsyncIterable<ArrayLike<unknown>>): Promise<number> {
  let total = 0;
  for await (const chunk of chunks) total += chunk.length;
  return total;
}

async function countRows(rows: AsyncIterable<Float64Array>): Promise<number> {
  let total = 0;
  for await (const _ of rows) total++;
  return total;
}

function channel(output: RunOutput, name: string): OutputChannel {
  const found = output.source().devices[0]?.channels.find((c) => c.name === name);
  if (!found) throw new Error(`no channel ${name}`);
  return found;
}

describe('run output read back during the run', () => {
  it('a single channel: values and timestamps read at different moments count the same', async () => {
    const { output, send } = newOutput();
    for (let i = 0; i < 10; i++)
      send(`{"device_name": "dmm", "device_config": {}, "measurements": {"v": {"data": [${i}.5], "unit": "V"}}}`);
    const read = channel(output, 'v');
    if (read.shape === 'multi') throw new Error('expected a single channel');
    expect(await count(read.values())).toBe(10);
    for (let i = 0; i < 5; i++)
      send(`{"device_name": "dmm", "device_config": {}, "measurements": {"v": {"data": [${i}.25], "unit": "V"}}}`);
    expect(await count(read.timestamps())).toBe(10);
    // The next write sees everything.
    const next = channel(output, 'v');
    if (next.shape === 'multi') throw new Error('expected a single channel');
    expect(await count(next.values())).toBe(15);
    expect(await count(next.timestamps())).toBe(15);
  });

  it('a multi channel: rows and timestamps read at different moments count the same', async () => {
    const { output, send } = newOutput();
    const trace = `[[${Array.from({ length: 9_000 }, (_, i) => i / 7).join(', ')}]]`; // big rows are written as they come
    for (let i = 0; i < 4; i++)
      send(`{"device_name": "scope", "device_config": {}, "measurements": {"t": {"data": ${trace}, "unit": "V"}}}`);
    const read = channel(output, 't');
    if (read.shape !== 'multi') throw new Error('expected a multi channel');
    expect(await countRows(read.rows())).toBe(4);
    for (let i = 0; i < 3; i++)
      send(`{"device_name": "scope", "device_config": {}, "measurements": {"t": {"data": ${trace}, "unit": "V"}}}`);
    expect(await count(read.timestamps())).toBe(4);
  });
});
