// `rex export --to csv` speed and memory (docs/export.md, "CSV"). Generates a big output file in
// rex's layout in a temp directory (a single channel with a timestamp per value, a trace with a
// timestamp per row; 17-digit values), then, several rounds, alternating:
// - writer: the CSV writer fed by a RunFile that streams the same values from memory (no TOML
//   parse), in a child process: the writer's own cost and memory;
// - cli: `rex export FILE --to csv` end to end (the run-file reader's parse included);
// - toml: writing the TOML itself (formatFloats, as the final file's writer), once: a rough baseline.
// MB/s are of the TOML file's size. The temp directory is removed at the end.
//
//   node bench/export-csv.mjs [--singles 10000000] [--rows 2000] [--points 10000] [--rounds 3]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { csvWriter } from '../dist/cli/export/csv.js';
import { formatFloats } from '../dist/protocol/output/toml-values.js';

const { values: args } = parseArgs({
  options: {
    singles: { type: 'string', default: '10000000' },
    rows: { type: 'string', default: '2000' },
    points: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    child: { type: 'string' },
    target: { type: 'string' },
  },
});
const SINGLES = Number(args.singles);
const ROWS = Number(args.rows);
const POINTS = Number(args.points);
const CHUNK = 65536;
const REX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../bin/rex.js');

// One pool of 17-digit values, reused chunk after chunk (a PRNG per value would be timed too).
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return (seed / 2 ** 31) * 1000 - 500;
};
const POOL = Float64Array.from({ length: Math.max(CHUNK, POINTS + 64) }, random);
const stamp = (i) => {
  const s = Math.floor(i / 1000);
  const two = (n) => String(n).padStart(2, '0');
  return `2026-12-06T${two(Math.floor(s / 3600) % 24)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}.${String((i % 1000) * 1e6 + 123).padStart(9, '0')}Z`;
};
const STAMP_POOL = Array.from({ length: CHUNK }, (_, i) => Buffer.from(stamp(i)).toString('latin1'));
const singleChunk = (at) => POOL.subarray(0, Math.min(CHUNK, SINGLES - at));
const traceRow = (r) => POOL.subarray(r % 64, (r % 64) + POINTS);

async function* tomlText() {
  yield '[device.big]\ndevice_name = "big"\n\n[device.big.data.counts]\ndata = [\n';
  for (let at = 0; at < SINGLES; at += CHUNK)
    yield Buffer.concat([Buffer.from('    '), formatFloats(singleChunk(at), ',\n    '), Buffer.from(',\n')]);
  yield ']\nunit = "V"\n\n[device.big.data.trace]\ndata = [\n';
  for (let r = 0; r < ROWS; r++) yield Buffer.concat([Buffer.from('    ['), formatFloats(traceRow(r), ', '), Buffer.from('],\n')]);
  yield ']\nunit = "V"\n\n[device.big.timestamps]\ncounts = [\n';
  for (let at = 0; at < SINGLES; at += CHUNK) {
    const n = Math.min(CHUNK, SINGLES - at);
    yield Array.from({ length: n }, (_, i) => `    "${stamp(at + i)}",\n`).join('');
  }
  yield ']\ntrace = [\n';
  yield Array.from({ length: ROWS }, (_, r) => `    "${stamp(r * 1000)}",\n`).join('');
  yield ']\n\n[session]\nUUID = "00000000-0000-4000-8000-000000000000"\nend_time = ""\nstart_time = "2026-12-06T00:00:00Z"\n';
}

async function writeToml(file) {
  const fd = fs.openSync(file, 'w');
  for await (const part of tomlText()) fs.writeSync(fd, part);
  fs.fdatasyncSync(fd);
  fs.closeSync(fd);
}

/** The RunFile interface over the same values, streamed from memory. */
function memoryRun() {
  const counts = {
    device: 'big',
    name: 'counts',
    unit: 'V',
    shape: 'single',
    count: SINGLES,
    points: SINGLES,
    rowLength: null,
    timestampCount: SINGLES,
    data: { offset: 0 },
    timestamps: { offset: 0 },
  };
  const trace = {
    device: 'big',
    name: 'trace',
    unit: 'V',
    shape: 'trace',
    count: ROWS,
    points: ROWS * POINTS,
    rowLength: POINTS,
    timestampCount: ROWS,
    data: { offset: 0 },
    timestamps: { offset: 0 },
  };
  const device = { name: 'big', config: {}, channels: [counts, trace] };
  return {
    device,
    run: {
      async *values() {
        for (let at = 0; at < SINGLES; at += CHUNK) yield singleChunk(at);
      },
      async *rows() {
        const perChunk = Math.max(1, Math.floor(CHUNK / POINTS));
        for (let r = 0; r < ROWS; r += perChunk) yield Array.from({ length: Math.min(perChunk, ROWS - r) }, (_, i) => traceRow(r + i));
      },
      async *timestamps(channel) {
        // The same flat strings again and again: what the reader pays to make them is not the writer's.
        for (let at = 0; at < channel.timestampCount; at += CHUNK) yield STAMP_POOL.slice(0, Math.min(CHUNK, channel.timestampCount - at));
      },
      async close() {},
    },
  };
}

if (args.child === 'writer') {
  const target = args.target;
  fs.writeFileSync(target, '');
  const { run, device } = memoryRun();
  const start = performance.now();
  const cpu = process.cpuUsage();
  await csvWriter.write(run, device, target);
  const { user, system } = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ seconds, cpuSeconds: (user + system) / 1e6, rssMB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-export-'));
try {
  const toml = path.join(dir, 'big.toml');
  const mb = () => fs.statSync(toml).size / 1e6;
  const results = { writer: [], cli: [], toml: [] };
  const start = performance.now();
  await writeToml(toml);
  results.toml.push({ seconds: (performance.now() - start) / 1000 });
  for (let round = 0; round < Number(args.rounds); round++) {
    const csv = path.join(dir, 'writer.csv');
    const child = JSON.parse(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', 'writer', ...process.argv.slice(2), '--target', csv], {
        encoding: 'utf8',
      }),
    );
    results.writer.push({ ...child, csvMB: fs.statSync(csv).size / 1e6 });
    fs.rmSync(csv);

    const out = path.join(dir, 'out');
    const start = performance.now();
    const cli = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, REX, 'export', toml, '--to', 'csv', '-o', out, '--force'], {
      encoding: 'utf8',
    });
    const seconds = (performance.now() - start) / 1000;
    results.cli.push(
      cli.status === 0
        ? { seconds, rssMB: Number(cli.stderr.trim().split('\n').at(-1)) / 1024 }
        : { failed: cli.stderr.trim().split('\n').slice(-3).join(' | ') },
    );
    fs.rmSync(out, { recursive: true, force: true });
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `TOML ${mb().toFixed(0)} MB: ${SINGLES} single values with timestamps, ${ROWS} rows × ${POINTS} points; load ${os.loadavg()[0].toFixed(1)}`,
  );
  for (const [name, runs] of Object.entries(results)) {
    const ok = runs.filter((r) => r.seconds !== undefined);
    if (ok.length === 0) {
      console.log(`${name}: failed: ${runs[0].failed}`);
      continue;
    }
    const s = median(ok.map((r) => r.seconds));
    const rss = ok[0].rssMB === undefined ? '' : `, max RSS ${median(ok.map((r) => r.rssMB)).toFixed(0)} MB`;
    const cpu =
      ok[0].cpuSeconds === undefined
        ? ''
        : `, CPU ${median(ok.map((r) => r.cpuSeconds)).toFixed(2)} s = ${(mb() / median(ok.map((r) => r.cpuSeconds))).toFixed(0)} MB per CPU-second`;
    const csv = ok[0].csvMB === undefined ? '' : `, CSV ${ok[0].csvMB.toFixed(0)} MB`;
    console.log(
      `${name}: median ${s.toFixed(2)} s = ${(mb() / s).toFixed(0)} MB/s of TOML${cpu}${rss}${csv} (runs: ${ok.map((r) => r.seconds.toFixed(2)).join(', ')})`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
