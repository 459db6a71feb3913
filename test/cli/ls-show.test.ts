/**
 * `rex ls` and `rex show` (issue 19 items 1 and 2) through the real CLI, on a real run's file,
 * the original rex's reference file, and copies of them edited into an older run, a live one
 * (end_time "", status "running"), one whose start cannot be read, a config and a broken file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/protocol/human-units.js';
import { exportMixRun, REFERENCE_OUTPUT, referenceCopy } from '../helpers/export-run.js';
import { REPO_ROOT, readToml, runRex, workspace } from '../helpers/rex-cli.js';

/** A copy of `file` as `name` beside it, with TOML lines replaced (`key = ...` by `key = value`). */
function editedCopy(file: string, name: string, edits: Record<string, string | null>): string {
  let text = fs.readFileSync(file, 'utf8');
  for (const [key, value] of Object.entries(edits)) {
    const line = new RegExp(`^${key} = .*$`, 'm');
    expect(text, key).toMatch(line);
    text = text.replace(line, value === null ? '' : `${key} = ${value}`);
  }
  const copy = path.join(path.dirname(file), name);
  fs.writeFileSync(copy, text);
  return copy;
}

const JSON_FIELDS = [
  'file',
  'session',
  'uuid',
  'start',
  'end',
  'durationSeconds',
  'running',
  'status',
  'exitCode',
  'devices',
  'results',
  'bytes',
];

describe('rex ls', () => {
  it('lists the runs newest first, with their columns and as JSON; skips configs, names broken files, is not recursive', async () => {
    const ws = workspace();
    const mix = await exportMixRun(ws);
    const out = ws.outputDir;
    const startNs = BigInt(Date.parse(readToml(mix).session.start_time)) * 1_000_000n;
    const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
    const live = editedCopy(mix, 'live.toml', {
      start_time: `"${iso(startNs + 3_600_000_000_000n)}"`,
      end_time: '""',
      status: '"running"',
      exit_code: null,
    });
    // The original's time form (local time), and a script that failed.
    const older = editedCopy(mix, 'older.toml', { start_time: '"01-02-2000 10:00:00.000"', exit_code: '3', session_name: '"Older"' });
    const stale = editedCopy(mix, 'stale.toml', { start_time: '"yesterday"', session_name: '"Stale"' });
    fs.utimesSync(stale, new Date('1999-01-01'), new Date('1999-01-01'));
    const reference = path.join(out, 'reference.toml');
    fs.copyFileSync(REFERENCE_OUTPUT, reference);
    fs.copyFileSync(path.join(REPO_ROOT, 'test/fixtures/reference/rex_utils_session_config.toml'), path.join(out, 'session_config.toml'));
    fs.writeFileSync(path.join(out, 'broken.toml'), 'x = [\n');
    fs.mkdirSync(path.join(out, 'sub'));
    fs.copyFileSync(mix, path.join(out, 'sub', 'nested.toml'));

    const listed = await runRex(ws, ['ls', out]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^rex: could not read .*broken\.toml:\d+: .+/)]);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^SESSION +START +DURATION +STATUS +DEVICES +SIZE +FILE$/);
    expect(rows.map((r) => r.slice(header!.indexOf('FILE')))).toEqual([live, mix, reference, older, stale]);
    // Aligned: each column starts where its header does.
    for (const column of ['START', 'DURATION', 'STATUS', 'DEVICES', 'SIZE']) {
      for (const row of rows) expect(row[header!.indexOf(column) - 1], `${column} in ${row}`).toBe(' ');
    }
    const cells = (row: string) => row.split(/ {2,}/);
    expect(cells(rows[0]!).slice(2, 4)).toEqual(['running', 'running']);
    expect(cells(rows[1]!)).toEqual([
      'Export mix',
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      expect.stringMatching(/^\d+ ms$|^\d+\.\d s$/),
      'ok',
      'odd/name.dev (3), scope (2)',
      formatBytes(fs.statSync(mix).size),
      mix,
    ]);
    expect(cells(rows[2]!).slice(0, 5)).toEqual([
      'Test',
      expect.stringMatching(/^2026-01-1[67] /),
      '30.1 s',
      '-',
      'test_daq (4), test_daq2 (4)',
    ]);
    expect(cells(rows[3]!).slice(0, 4)).toEqual(['Older', '2000-02-01 10:00:00', expect.any(String), 'exit 3']);
    expect(cells(rows[4]!).slice(0, 3)).toEqual(['Stale', '-', '-']);

    // JSON, in a time zone east of UTC: the original's local times are read in it.
    const json = await runRex(ws, ['ls', '--json', out], { env: { TZ: 'Asia/Tokyo' } });
    expect(json.code, json.stderr).toBe(0);
    const runs = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(runs.map((r) => r.file)).toEqual([live, mix, reference, older, stale]);
    for (const run of runs) expect(Object.keys(run)).toEqual(JSON_FIELDS);
    const toml = readToml(mix);
    expect(runs[1]).toEqual({
      file: mix,
      session: 'Export mix',
      uuid: toml.session.UUID,
      start: toml.session.start_time,
      end: toml.session.end_time,
      durationSeconds: expect.closeTo(
        Number(BigInt(Date.parse(toml.session.end_time)) - BigInt(Date.parse(toml.session.start_time))) / 1000,
        2,
      ),
      running: false,
      status: 'script-exit',
      exitCode: 0,
      devices: [
        {
          name: 'odd/name.dev',
          channels: [
            { name: 'a.b', unit: 'V', shape: 'single', count: 1 },
            { name: 'only_two', unit: 's', shape: 'single', count: 2 },
            { name: 'ragged', unit: 'A', shape: 'trace', count: 3 },
          ],
        },
        {
          name: 'scope',
          channels: [
            { name: 'counts', unit: 'dimensionless', shape: 'single', count: 3 },
            { name: 'trace (V)', unit: 'V', shape: 'trace', count: 3 },
          ],
        },
      ],
      results: [
        { name: 'check', pass: false },
        { name: 'fit', pass: true },
      ],
      bytes: fs.statSync(mix).size,
    });
    expect(runs[0]).toMatchObject({ running: true, status: 'running', end: null, durationSeconds: null, exitCode: null });
    expect(runs[2]).toMatchObject({
      session: 'Test',
      start: '2026-01-16T10:35:32.421Z',
      end: '2026-01-16T10:36:02.532Z',
      durationSeconds: 30.111,
      status: null,
      results: [],
    });
    expect(runs[3]).toMatchObject({ start: '2000-02-01T01:00:00Z', exitCode: 3 });
    expect(runs[4]).toMatchObject({ start: null, durationSeconds: null });

    const missing = await runRex(ws, ['ls', out, path.join(ws.dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim()).toBe(`rex: ${path.join(ws.dir, 'nope')}: no such directory`);
  });
});

describe('rex ls remembers what it listed', () => {
  it('a file listed as it is now is not read again; a changed file is; a cache open to others is not used', async () => {
    const ws = workspace();
    const mix = await exportMixRun(ws);
    const first = await runRex(ws, ['ls', '--json', ws.outputDir]);
    expect(first.code, first.stderr).toBe(0);
    const cacheDir = path.join(ws.cacheHome, 'rex-daq', 'run-list');
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    const [entryFile, ...others] = fs.readdirSync(cacheDir).map((name) => path.join(cacheDir, name));
    expect(others).toEqual([]);
    expect(fs.statSync(entryFile!).mode & 0o777).toBe(0o600);
    // Tamper with the remembered entry: if the next listing shows it, the file was not read again.
    fs.writeFileSync(entryFile!, fs.readFileSync(entryFile!, 'utf8').replace('"Export mix"', '"Remembered"'));
    const sessionOf = async () =>
      (JSON.parse((await runRex(ws, ['ls', '--json', ws.outputDir])).stdout) as { session: string }[])[0]!.session;
    expect(await sessionOf()).toBe('Remembered');
    // A cache directory others may write to is not trusted: the file is read.
    fs.chmodSync(cacheDir, 0o777);
    expect(await sessionOf()).toBe('Export mix');
    fs.chmodSync(cacheDir, 0o700);
    expect(await sessionOf()).toBe('Remembered');
    // The file changes (same size, even): it is read again.
    const text = fs.readFileSync(mix, 'utf8');
    fs.writeFileSync(mix, text.replace('"Export mix"', '"Export MIX"'));
    expect(await sessionOf()).toBe('Export MIX');
  });
});

describe('rex show', () => {
  it("prints the session, the end-of-run summary and a plot of a channel; an unknown channel's error lists them", async () => {
    const ws = workspace();
    const mix = await exportMixRun(ws);
    const shown = await runRex(ws, ['show', mix]);
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    for (const line of [
      'session     Export mix',
      'description every corner an export keeps',
      'who         Test Runner <test@example.org>',
      'status      ok',
      'meta        sample = "S-42", temperature_K = 4.2',
      'device odd/name.dev: a.b [V] 1 value, only_two [s] 2 values, ragged [A] 3 rows',
      'device scope: counts [dimensionless] 3 values, trace (V) [V] 3 rows',
      'results: check FAIL, fit pass',
      `output file: ${mix} (${formatBytes(fs.statSync(mix).size)})`,
    ]) {
      expect(lines).toContain(line);
    }
    // The first channel of the first device, in a chart 80 columns wide (stdout is no terminal): 16 rows, the axis, its labels.
    const title = lines.indexOf('odd/name.dev/a.b [V]: 1 value against the index');
    expect(title).toBeGreaterThan(0);
    const plot = lines.slice(title + 1, -1);
    expect(plot).toHaveLength(18);
    for (const row of plot) expect([...row]).toHaveLength(80);
    expect(plot.join('')).toMatch(/[\u2801-\u28ff]/);

    const trace = await runRex(ws, ['show', mix, '--channel', 'scope/trace (V)']);
    expect(trace.code, trace.stderr).toBe(0);
    expect(trace.stdout).toContain('scope/trace (V) [V]: the last of 3 rows (5 points) against the point index');

    const unknown = await runRex(ws, ['show', mix, '--channel', 'scope/nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      `rex: no channel scope/nope in ${mix}; its channels: odd/name.dev/a.b, odd/name.dev/only_two, odd/name.dev/ragged, scope/counts, scope/trace (V)`,
    );

    // A live file and the original's file: what they hold is shown, with what they lack as such.
    const live = editedCopy(mix, 'live.toml', { end_time: '""', status: '"running"', exit_code: null });
    const liveShown = await runRex(ws, ['show', '--no-plot', live, '--channel', 'odd/name.dev/ragged']);
    expect(liveShown.code, liveShown.stderr).toBe(0);
    expect(liveShown.stdout).not.toMatch(/[\u2800-\u28ff]|against/);
    expect(liveShown.stdout).toMatch(/^end {9}\(running\)$/m);
    expect(liveShown.stdout).toMatch(/^duration {4}running$/m);
    const original = await runRex(ws, ['show', referenceCopy(ws)]);
    expect(original.code, original.stderr).toBe(0);
    expect(original.stdout).toContain('device test_daq: counts [dimensionless] 6 values, current (mA) [mA] 6 values');
    expect(original.stdout).toMatch(/^status {6}-$/m);
    expect(original.stdout).toContain('test_daq/counts [dimensionless]: 6 values against the index');
  });
});
