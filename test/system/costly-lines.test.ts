/**
 * Valid but costly lines (issue 14): each ends with exit 0 and a final file holding every
 * acknowledged value, no temp file and no stale live file left. Real rex CLI, real python3
 * (test/fixtures/python/costly_line.py), real TCP. Before, the busy file-writer and store were
 * killed as hung and the run ended with exit 4. Timings go to bench/README.md, not here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PY_FIXTURES, freePort, onlyOutput, runRex, workspace, type TomlTable } from '../helpers/rex-cli.js';

const TIMEOUT_MS = 240_000;

async function costlyRun(costlyCase: string, n: number): Promise<TomlTable> {
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
  return onlyOutput(ws.outputDir);
}

describe('costly lines end with exit 0 and a complete file', () => {
  it('one line with a device_config of 2,000,000 keys', { timeout: TIMEOUT_MS }, async () => {
    const n = 2_000_000;
    const device = (await costlyRun('config', n)).device.d;
    expect(device.data.v.data).toEqual([1]);
    for (let i = 0; i < n; i++) if (device[`k${i}`] !== i) expect.fail(`config key k${i} is ${device[`k${i}`]}`);
  });

  it('10,000,000 timestamps for one value (arrival time used, with a warning)', { timeout: TIMEOUT_MS }, async () => {
    const device = (await costlyRun('ts', 10_000_000)).device.d;
    expect(device.data.v.data).toEqual([1]);
  });

  it('one line of 100,000 channels', { timeout: TIMEOUT_MS }, async () => {
    const n = 100_000;
    const data = (await costlyRun('channels', n)).device.d.data;
    expect(Object.keys(data)).toHaveLength(n);
    for (let i = 0; i < n; i++) if (data[`c${i}`]?.data[0] !== i) expect.fail(`channel c${i} holds ${JSON.stringify(data[`c${i}`])}`);
  });

  it('1,000 devices × 100 channels, as ordinary small lines', { timeout: TIMEOUT_MS }, async () => {
    const devices = (await costlyRun('devices', 1_000)).device;
    expect(Object.keys(devices)).toHaveLength(1_000);
    for (let k = 0; k < 1_000; k++) {
      for (let i = 0; i < 100; i++) {
        const value = devices[`d${k}`]?.data[`c${i}`]?.data[0];
        if (value !== k * 100 + i) expect.fail(`d${k}.c${i} holds ${value}`);
      }
    }
  });
});
