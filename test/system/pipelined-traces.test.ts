/**
 * A pipelining client's binary traces (test/fixtures/python/pipelined_traces.py): the ingest
 * decodes them into reused arrays (reused-value-arrays.ts), given back once their line is
 * journaled. Each line's values are its own, so an array reused too early shows as a line stored
 * with another line's values. Real rex CLI, real python3, real TCP; the final TOML read back.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PY_FIXTURES, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';

const TIMEOUT_MS = 90_000;
const LINES = 60;

describe('pipelined binary traces', () => {
  it('are each stored with their own values', { timeout: TIMEOUT_MS }, async () => {
    const ws = workspace();
    const script = path.join(PY_FIXTURES, 'pipelined_traces.py');
    const result = await runRex(ws, ['run', script, '-o', ws.outputDir, '-P', String(await freePort())], {
      env: { REXT_LINES: String(LINES) },
    });
    expect(result.stderr).toContain(`replies=${LINES} recorded=${LINES}`);
    expect(result.code).toBe(0);
    const data = onlyOutput(ws.outputDir).device.scope.data;
    const a = data.a.data as number[][];
    const b = data.b.data as number[][];
    expect([a.length, b.length]).toEqual([LINES, LINES]);
    for (let k = 0; k < LINES; k++) {
      expect(a[k]).toEqual(Array.from({ length: 2500 }, (_, j) => k * 10000 + j + 0.25));
      expect(b[k]).toEqual(Array.from({ length: 4100 }, (_, j) => -(k * 10000 + j) - 0.5));
    }
  });
});
