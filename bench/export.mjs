// Issue 19: `rex export` to CSV, Parquet and HDF5, beside the final TOML write of the same run.
// A real run (bench/clients/export_source.py, 10k-point traces) writes a file of about GB
// gigabytes; `rex recover` of its journal times the final TOML write, then each export is timed
// and its peak memory (RSS of the process tree) sampled.
// --scalars: a scalar-heavy run instead (bench/clients/export_scalars.py: lines of 8 one-value
// channels, a timestamp per value). --repeat N: each step N times, the median time and the
// largest peak.
// Usage: npm run build && node bench/export.mjs [GB] [--scalars] [--repeat N]   (default 1 GB; the case is 5)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAverage, median } from './lib/machine.mjs';
import { sampleTreeRss } from './lib/rss.mjs';

const args = process.argv.slice(2);
const scalars = args.includes('--scalars');
const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 1;
const gigabytes = Number(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeat') ?? 1);
const POINTS = 10_000;
const CHANNELS = 8;
/** TOML bytes of one line: a 10k-point row of these values, or 8 values and their timestamps (measured). */
const ROW_BYTES = scalars ? 489 : 201_000;
const repo = path.resolve(import.meta.dirname, '..');
const rex = path.join(repo, 'bin', 'rex.js');
const client = path.join(repo, 'bench', 'clients', scalars ? 'export_scalars.py' : 'export_source.py');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-export-bench-'));

/** Runs `rex args`, timing it and sampling its peak RSS. */
async function timed(args, env = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [rex, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const rss = sampleTreeRss(child.pid, { excludeArg: client });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const peakMb = rss.stop();
  if (code !== 0) throw new Error(`rex ${args.join(' ')}: exit ${code}\n${output}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakMb, output };
}

const sizeOf = (file) => fs.statSync(file).size;
const only = (dir, suffix) =>
  path.join(
    dir,
    fs.readdirSync(dir).find((name) => name.endsWith(suffix)),
  );

try {
  const count = Math.max(1, Math.round((gigabytes * 1e9) / ROW_BYTES));
  const runDir = path.join(work, 'run');
  const run = await timed(['run', client, '-o', runDir, '--keep-journal'], {
    BENCH_POINTS: String(POINTS),
    BENCH_CHANNELS: String(CHANNELS),
    BENCH_COUNT: String(count),
    PYTHONPATH: path.dirname(client),
  });
  const journal = /journal kept in (\S+)/.exec(run.output)?.[1];
  if (!journal) throw new Error(`no journal kept:\n${run.output}`);
  const source = only(runDir, '.toml');
  const mb = sizeOf(source) / 1e6;
  const what = scalars ? `${count} lines of ${CHANNELS} single values` : `${count} traces of ${POINTS} points`;
  console.log(`run: ${what}, file ${mb.toFixed(0)} MB, rex run ${run.seconds.toFixed(1)} s (load ${loadAverage()})`);

  const rows = [];
  /** `step(out)` `repeat` times into a fresh `out`: the median time, the largest peak, the output's bytes. */
  const measure = async (label, out, step) => {
    const results = [];
    let bytes = 0;
    for (let i = 0; i < repeat; i++) {
      fs.rmSync(out, { recursive: true, force: true });
      results.push(await step(out));
      bytes = fs.readdirSync(out).reduce((sum, name) => sum + sizeOf(path.join(out, name)), 0);
    }
    fs.rmSync(out, { recursive: true, force: true });
    const seconds = median(results.map((r) => r.seconds));
    rows.push([label, { seconds, peakMb: Math.max(...results.map((r) => r.peakMb)) }, bytes]);
  };
  await measure('final TOML write (rex recover)', path.join(work, 'recovered'), (out) => timed(['recover', journal, '-o', out]));
  for (const format of ['csv', 'parquet', 'hdf5']) {
    await measure(`export --to ${format}`, path.join(work, format), (out) => timed(['export', source, '--to', format, '-o', out]));
  }
  console.log(`\n| step | time | MB/s of TOML | peak RSS | output |\n|---|---|---|---|---|`);
  for (const [step, result, bytes] of rows) {
    console.log(
      `| ${step} | ${result.seconds.toFixed(1)} s | ${(mb / result.seconds).toFixed(0)} | ${result.peakMb.toFixed(0)} MB | ${(bytes / 1e6).toFixed(0)} MB |`,
    );
  }
  console.log(`\n(load ${loadAverage()}, ${os.cpus().length} cores, node ${process.version})`);
  spawnSync('sync');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
