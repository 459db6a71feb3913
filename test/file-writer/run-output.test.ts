// A live write renders while the run goes on appending: each channel must be read as it stood when
// the write began, so its data and its timestamps (read at different moments) count the same.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunOutput } from '../../src/actors/file-writer/run-output.js';
import { commitMerge, createDeviceRegistry, mergeDevice } from '../../src/protocol/merge.js';
import { renderOutputToString } from '../../src/protocol/output/render.js';
import { memoryChannel, type OutputChannel, type OutputSource } from '../../src/protocol/output/source.js';
import { parseLine } from '../../src/protocol/parse.js';

const outputs: RunOutput[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const output of outputs.splice(0)) output.removeSpill();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function newOutput(): { output: RunOutput; send: (line: string) => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-run-output-'));
  dirs.push(dir);
  const output = new RunOutput(path.join(dir, 'loop-0.spill'));
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

// Small channels are rendered straight from memory (`valuesNow`, `timestampsNow`, their first
// values in slots of pages shared by channels), without the generic per-channel path: the text
// must be exactly what the generic path (in-memory channels, `memoryChannel`) gives.
describe('run output rendered', () => {
  it('channels of 0, 1, a few and thousands of values, odd values and names: the same text as the generic path', async () => {
    const { output, send } = newOutput();
    const odd = ['0', '-0.0', 'NaN', 'Infinity', '-Infinity', '1e21', '1e-7', '0.1', '5e-324', '1.7976931348623157e308', '-2.5', '3'];
    const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => odd[(i + seed) % odd.length]).join(', ');
    const lengths = [0, 1, 2, 3, 33, 5000];
    const measurements = lengths.map((n, i) => {
      const stamps =
        i % 2 === 1
          ? `, "timestamps": [${Array.from({ length: n }, (_, k) => `"2026-11-25T10:00:${String(k % 60).padStart(2, '0')}Z"`).join(', ')}]`
          : '';
      return `"ch ${i} \\"é\\"": {"data": [${values(n, i)}], "unit": "V${i}"${stamps}}, "c${i}": {"data": [${values(n, i + 1)}], "unit": "m\\"s"}`;
    });
    send(`{"device_name": "d\\"x", "device_config": {"data": 1, "z": {"y": 2}}, "measurements": {${measurements.join(', ')}}}`);
    // A channel that had values written out to the spill files, then more in memory.
    for (let i = 0; i < 3; i++)
      send(`{"device_name": "d\\"x", "device_config": {}, "measurements": {"c5": {"data": [${values(5000, i)}], "unit": "m\\"s"}}}`);
    const source = output.source();
    const generic: OutputSource = {
      ...source,
      devices: await Promise.all(
        source.devices.map(async (device) => ({
          ...device,
          channels: await Promise.all(device.channels.map(inMemory)),
        })),
      ),
    };
    const text = await renderOutputToString(source);
    expect(text).toContain('data = []');
    expect(text).toContain('nan');
    expect(text).toBe(await renderOutputToString(generic));
  });
});

/** The channel read whole into a `memoryChannel` (which has no fast path). */
async function inMemory(channel: OutputChannel): Promise<OutputChannel> {
  const timestamps: string[] = [];
  for await (const chunk of channel.timestamps()) timestamps.push(...chunk);
  if (channel.shape === 'multi') {
    const rows: Float64Array[] = [];
    for await (const row of channel.rows()) rows.push(row.slice());
    return memoryChannel({ name: channel.name, unit: channel.unit, shape: 'multi', rows, timestamps });
  }
  const values: number[] = [];
  for await (const chunk of channel.values()) values.push(...chunk);
  return memoryChannel({ name: channel.name, unit: channel.unit, shape: channel.shape, values, timestamps });
}
