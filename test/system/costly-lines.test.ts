/**
 * Valid but costly lines (issue 14): each ends with exit 0 and a final file holding every
 * acknowledged value, no temp file and no stale live file left. Real rex CLI, real python3
 * (test/fixtures/python/costly_line.py), real TCP. Before, the busy file-writer and store were
 * killed as hung and the run ended with exit 4. Timings go to bench/README.md, not here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { PY_FIXTURES, freePort, outputFiles, readToml, runRex, workspace, type TomlTable } from '../helpers/rex-cli.js';

const TIMEOUT_MS = 240_000;

/** Runs the case; returns the path of its one output file. */
async function costlyRun(costlyCase: string, n: number): Promise<string> {
  const ws = workspace();
  const script = path.join(PY_FIXTURES, 'costly_line.py');
  const result = await runRex(ws, ['run', script, '-o', ws.outputDir, '-P', String(await freePort())], {
    env: { REXT_CASE: costlyCase, REXT_N: String(n) },
  });
  expect(result.stderr).not.toMatch(/REX_ACTOR_|not acknowledged/);
  expect(result.stderr).toMatch(/acked \d+/);
  expect(result.code).toBe(0);
  // The final file replaced the live one; no temp file of the write is left.
  expect(fs.readdirSync(ws.outputDir).filter((f) => f !== '.rex' && !f.endsWith('.toml'))).toEqual([]);
  const files = outputFiles(ws.outputDir);
  expect(files).toHaveLength(1);
  return files[0]!;
}

describe('costly lines end with exit 0 and a complete file', () => {
  it('one line with a device_config of 2,000,000 keys', { timeout: TIMEOUT_MS }, async () => {
    const n = 2_000_000;
    const text = fs.readFileSync(await costlyRun('config', n), 'utf8');
    // The config's 2,000,000 lines are checked as text (a TOML parser takes longer than the run);
    // the rest of the file, from the device's data on, is parsed.
    const dataAt = text.indexOf('\n[device.d.data.v]\n');
    expect(text.startsWith('[device.d]\ndevice_name = "d"\n')).toBe(true);
    const seen = new Set<number>();
    for (const line of text.slice('[device.d]\ndevice_name = "d"\n'.length, dataAt).split('\n')) {
      if (line === '') continue;
      const key = /^k(\d+) = (\d+)$/.exec(line);
      if (!key || key[1] !== key[2] || Number(key[1]) >= n) expect.fail(`unexpected config line ${JSON.stringify(line)}`);
      seen.add(Number(key[1]));
    }
    expect(seen.size).toBe(n); // so each of k0 … k1999999 once
    const rest = parseToml(`[device.d]\n${text.slice(dataAt)}`) as TomlTable;
    expect(rest.device.d.data.v.data).toEqual([1]);
  });

  it('10,000,000 timestamps for one value (arrival time used, with a warning)', { timeout: TIMEOUT_MS }, async () => {
    const device = readToml(await costlyRun('ts', 10_000_000)).device.d;
    expect(device.data.v.data).toEqual([1]);
  });

  it('one line of 100,000 channels', { timeout: TIMEOUT_MS }, async () => {
    const n = 100_000;
    const data = readToml(await costlyRun('channels', n)).device.d.data;
    expect(Object.keys(data)).toHaveLength(n);
    for (let i = 0; i < n; i++) if (data[`c${i}`]?.data[0] !== i) expect.fail(`channel c${i} holds ${JSON.stringify(data[`c${i}`])}`);
  });

  it('1,000 devices × 100 channels, as ordinary small lines', { timeout: TIMEOUT_MS }, async () => {
    const devices = readToml(await costlyRun('devices', 1_000)).device;
    expect(Object.keys(devices)).toHaveLength(1_000);
    for (let k = 0; k < 1_000; k++) {
      for (let i = 0; i < 100; i++) {
        const value = devices[`d${k}`]?.data[`c${i}`]?.data[0];
        if (value !== k * 100 + i) expect.fail(`d${k}.c${i} holds ${value}`);
      }
    }
  });
});
