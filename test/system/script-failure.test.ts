/**
 * A script's failure is kept in its output file (issue 15 item 7): `[session.run]` holds the exit
 * status and the end of the script's stderr (`stderr_tail`, at most 64 KiB), which still reaches
 * the terminal through rex's log. Real Python scripts through the real CLI; the file is read back
 * with Python's own `tomllib` too.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STDERR_TAIL_BYTES } from '../../src/actors/controller/stderr-tail.js';
import { PY_FIXTURES, freePort, onlyOutput, outputFiles, runRex, workspace, type RexWorkspace } from '../helpers/rex-cli.js';

const RUN_TIMEOUT_MS = 60_000;

async function run(ws: RexWorkspace, fixture: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const result = await runRex(ws, ['run', path.join(PY_FIXTURES, fixture), '-P', String(port), '-o', ws.outputDir], { env });
  return { ...result, toml: onlyOutput(ws.outputDir), file: outputFiles(ws.outputDir)[0]! };
}

/** `[session.run]` as Python's tomllib reads it (the whole file parsed, as rex_utils does with `toml`). */
function pythonRunRecord(file: string): { exit_code: number; stderr_tail: string; devices: string[] } {
  const code = [
    'import json, sys, tomllib',
    'doc = tomllib.load(open(sys.argv[1], "rb"))',
    'run = doc["session"]["run"]',
    'print(json.dumps({"exit_code": run["exit_code"], "stderr_tail": run["stderr_tail"], "devices": sorted(doc.get("device", {}))}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', code, file], { encoding: 'utf8' }));
}

describe('a failed script is kept in [session.run]', () => {
  it('a script that raises: exit_code 1 and the traceback in stderr_tail, which also reached the terminal', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const ws = workspace();
    const result = await run(ws, 'crash.py', { REXT_STEPS: '2' });
    expect(result.code).toBe(1);
    const record = result.toml.session.run;
    expect(record.exit_code).toBe(1);
    expect(record.stderr_tail).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(record.stderr_tail).toMatch(/\nRuntimeError: deliberate crash after 2 steps\n$/);
    expect(result.toml.device.daq.data.counts.data).toEqual([0, 1]);
    expect(result.stderr).toContain('RuntimeError: deliberate crash after 2 steps');
    const fromPython = pythonRunRecord(result.file);
    expect(fromPython).toEqual({ exit_code: 1, stderr_tail: record.stderr_tail, devices: ['daq'] });
  });

  it('a script that floods stderr: the tail is bounded to 64 KiB, starts at a line and ends with its last line', {
    timeout: RUN_TIMEOUT_MS,
  }, async () => {
    const ws = workspace();
    const result = await run(ws, 'stderr_flood.py', { REXT_LINES: '3000' });
    const tail: string = result.toml.session.run.stderr_tail;
    expect(result.toml.session.run.exit_code).toBe(3);
    expect(Buffer.byteLength(tail, 'utf8')).toBeLessThanOrEqual(STDERR_TAIL_BYTES);
    expect(Buffer.byteLength(tail, 'utf8')).toBeGreaterThan(STDERR_TAIL_BYTES - 200);
    expect(tail).toMatch(/^line \d{6} µé x{80}\n/);
    expect(tail.endsWith(`line 002999 µé ${'x'.repeat(80)}\nthe last line of the flood\n`)).toBe(true);
    expect(tail).not.toContain('\uFFFD');
    expect(pythonRunRecord(result.file).stderr_tail).toBe(tail);
  });
});
