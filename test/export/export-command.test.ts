/**
 * `rex export` itself, through the real CLI: where its files go and under which names, what it
 * refuses (exit 2, nothing written), and that it leaves no temporary file behind, also when it
 * fails halfway. The CSV format stands in for all (test/export/csv.test.ts checks its content).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceCopy } from '../helpers/export-run.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RexWorkspace, runRex, startRex, workspace } from '../helpers/rex-cli.js';

const HEADER = 'channel,unit,row,index,timestamp,value\n';

/** A run file with one single channel per device, the channel named after its device. */
function tinyRun(ws: RexWorkspace, name: string, devices: string[], tail = ''): string {
  const file = path.join(ws.dir, name);
  const tables = devices.map((d) => `[device.${JSON.stringify(d)}.data.${JSON.stringify(`of ${d}`)}]\ndata = [1.5]\nunit = "V"\n`);
  fs.writeFileSync(file, `${tables.join('\n')}${tail}`);
  return file;
}

/** Every file under `dir`, relative to it. One listed and gone by its `stat` (rex's own write probe, output-dir.ts) is not. */
function filesUnder(dir: string): string[] {
  const isFile = (f: string): boolean => fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.isFile() ?? false;
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter(isFile).sort();
}

const temps = (dir: string) => filesUnder(dir).filter((f) => f.endsWith('.tmp'));

describe('rex export', () => {
  it('writes <stem>.<device>.csv beside the file, or into -o DIR (made with its parents), and lists them on stdout', async () => {
    const ws = workspace();
    const file = referenceCopy(ws);
    const beside = await runRex(ws, ['export', file, '--to', 'csv']);
    expect(beside.code, beside.stderr).toBe(0);
    const names = ['reference.test_daq.csv', 'reference.test_daq2.csv'];
    expect(beside.stdout).toBe(names.map((n) => `${path.join(ws.dir, n)}\n`).join(''));
    for (const n of names) expect(fs.readFileSync(path.join(ws.dir, n), 'utf8').startsWith(HEADER)).toBe(true);

    const into = await runRex(ws, ['export', 'reference.toml', '--to', 'csv', '-o', 'out/a/b']);
    expect(into.code, into.stderr).toBe(0);
    expect(into.stdout).toBe(names.map((n) => `${path.join(ws.dir, 'out/a/b', n)}\n`).join(''));
    expect(filesUnder(path.join(ws.dir, 'out'))).toEqual(names.map((n) => `a/b/${n}`));
  });

  it('refuses when a target is there (exit 2, named, untouched, nothing written); --force replaces it', async () => {
    const ws = workspace();
    const file = referenceCopy(ws);
    const taken = path.join(ws.dir, 'reference.test_daq2.csv');
    fs.writeFileSync(taken, 'mine');
    const refused = await runRex(ws, ['export', file, '--to', 'csv']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(taken);
    expect(refused.stdout).toBe('');
    expect(fs.readFileSync(taken, 'utf8')).toBe('mine');
    expect(filesUnder(ws.dir).filter((f) => f.endsWith('.csv') || f.endsWith('.tmp'))).toEqual(['reference.test_daq2.csv']);

    const forced = await runRex(ws, ['export', file, '--to', 'csv', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.readFileSync(taken, 'utf8').startsWith(HEADER)).toBe(true);
  });

  it('refuses a missing file and a file that is not TOML (exit 2, naming it), making no output directory', async () => {
    const ws = workspace();
    const missing = path.join(ws.dir, 'nope.toml');
    const notToml = path.join(ws.dir, 'notes.toml');
    fs.writeFileSync(notToml, 'these are notes, not [a run\n');
    const results = await Promise.all([missing, notToml].map((f) => runRex(ws, ['export', f, '--to', 'csv', '-o', `${f}.out`])));
    for (const [i, f] of [missing, notToml].entries()) {
      expect(results[i]!.code, results[i]!.stderr).toBe(2);
      expect(results[i]!.stderr).toContain(f);
      expect(fs.existsSync(`${f}.out`)).toBe(false);
    }
  });

  it('refuses --to missing or unknown (exit 2)', async () => {
    const ws = workspace();
    const file = referenceCopy(ws);
    const results = await Promise.all([[], ['--to', 'xlsx']].map((to) => runRex(ws, ['export', file, ...to])));
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--to/);
    }
    expect(filesUnder(ws.dir).filter((f) => !f.startsWith('config'))).toEqual(['reference.toml']);
  });

  it('leaves no temporary file when it fails halfway: a directory in the way of the second file, a malformed value', async () => {
    const ws = workspace();
    const file = referenceCopy(ws);
    fs.mkdirSync(path.join(ws.dir, 'reference.test_daq2.csv'));
    const blocked = await runRex(ws, ['export', file, '--to', 'csv', '--force']);
    expect(blocked.code).toBe(4);
    expect(blocked.stderr).toContain(`cannot write ${path.join(ws.dir, 'reference.test_daq2.csv')}`);
    expect(blocked.stdout).toBe(`${path.join(ws.dir, 'reference.test_daq.csv')}\n`);
    expect(temps(ws.dir)).toEqual([]);

    // The second device's value is broken: a streaming reader meets it after the first file.
    const broken = tinyRun(ws, 'broken.toml', ['first', 'second']);
    fs.writeFileSync(broken, fs.readFileSync(broken, 'utf8').replace(/data = \[1\.5\]\nunit = "V"\n$/, 'data = [1.5, 2.5x]\nunit = "V"\n'));
    const malformed = await runRex(ws, ['export', broken, '--to', 'csv']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(broken);
    expect(temps(ws.dir)).toEqual([]);
    expect(filesUnder(ws.dir).filter((f) => f.startsWith('broken.second'))).toEqual([]);
  });

  it('removes its temporary file when interrupted midway (Ctrl-C: exit 130)', async () => {
    const ws = workspace();
    const file = path.join(ws.dir, 'long.toml');
    // A trace of 2M points: its CSV takes a while to write.
    const row = `    [${Array.from({ length: 100 }, (_, i) => `${i}.25`).join(', ')}],\n`;
    fs.writeFileSync(file, `[device.d.data.t]\ndata = [\n${row.repeat(20_000)}]\nunit = "V"\n`);
    const rex = startRex(ws, ['export', file, '--to', 'csv']);
    let exited = false;
    void rex.done.then(() => (exited = true));
    while (temps(ws.dir).length === 0 && !exited) await sleep(5);
    rex.child.kill('SIGINT');
    const { code, stdout } = await rex.done;
    expect(code).toBe(130);
    expect(stdout).toBe('');
    expect(temps(ws.dir)).toEqual([]);
    expect(fs.existsSync(path.join(ws.dir, 'long.d.csv'))).toBe(false);
  });

  it('gives devices whose names make one file name distinct files (ignoring case too)', async () => {
    const ws = workspace();
    const file = tinyRun(ws, 'run.toml', ['a/b', 'a_b', 'A_B', 'a_b_2']);
    const result = await runRex(ws, ['export', file, '--to', 'csv']);
    expect(result.code, result.stderr).toBe(0);
    const written = result.stdout.trim().split('\n');
    expect(written.map((f) => path.basename(f))).toEqual(['run.a_b.csv', 'run.a_b_2.csv', 'run.A_B_3.csv', 'run.a_b_2_2.csv']);
    const channels = written.map((f) => fs.readFileSync(f, 'utf8').split('\n')[1]!.split(',')[0]);
    expect(channels).toEqual(['of a/b', 'of a_b', 'of A_B', 'of a_b_2']);
  });

  it('keeps names within 200 bytes when the file and device names are long (room for the temporary name)', async () => {
    const ws = workspace();
    const file = tinyRun(ws, `${'r'.repeat(190)}.toml`, ['é'.repeat(150), 'é'.repeat(151)]);
    const result = await runRex(ws, ['export', file, '--to', 'csv']);
    expect(result.code, result.stderr).toBe(0);
    const names = result.stdout
      .trim()
      .split('\n')
      .map((f) => path.basename(f));
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const name of names) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
      expect(name).toMatch(/^r+\.é+(_2)?\.csv$/);
    }
  });
});
