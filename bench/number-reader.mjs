// The ingest's byte reader of number arrays (readNumbersToScratch) on scenario B's 10k-point line,
// two or more builds in alternating batches in one process: CPU µs a line, each build's median
// over several runs of this script is what to compare (bench/RESULTS.md, issue 18 rows).
// Usage: node bench/number-reader.mjs DIST_A DIST_B [...]   (DIST: a build's dist/, e.g. a copy
//        made by `node bench/ab-builds.mjs --snapshot DIR`, then DIR/dist)
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './lib/targets.mjs';

const BATCH = 50;
const ROUNDS = 60;
const WARM_ROUNDS = 6;

const dists = process.argv.slice(2).map((dir) => path.resolve(dir));
if (dists.length < 2) throw new Error('usage: node bench/number-reader.mjs DIST_A DIST_B [...]');
// B's line exactly as the client makes it (benchlib.trace_line).
const clients = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clients');
const script = 'import sys; from benchlib import trace_line; sys.stdout.buffer.write(trace_line(10000, "json"))';
const line = execFileSync(PYTHON, ['-c', script], { cwd: clients });
const open = line.indexOf('[[') + 1;

const readers = await Promise.all(dists.map((dist) => import(path.join(dist, 'protocol', 'number-array-bytes.js'))));
const spent = dists.map(() => 0);
for (let round = 0; round < ROUNDS; round++) {
  // Who goes first alternates: a batch may pay for collecting the other's garbage.
  const order = readers.map((_, k) => k);
  if (round % 2) order.reverse();
  for (const k of order) {
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i++) readers[k].readNumbersToScratch(line, open);
    const cpu = process.cpuUsage(start);
    if (round >= WARM_ROUNDS) spent[k] += cpu.user + cpu.system;
  }
}
const lines = (ROUNDS - WARM_ROUNDS) * BATCH;
console.log(dists.map((dist, k) => `${dist}: ${(spent[k] / lines).toFixed(1)} µs/line`).join('\n'));
