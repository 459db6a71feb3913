// How B and C scale (issue 18, "Scaling figures"): 10k-point JSON traces pipelined over 1, 2, 4
// and 8 connections at once (bench/clients/traces_multi.py), and scenario C's mixed clients
// (a scalar and a 10k trace, each waiting for its reply) with as many clients, with rex pinned to
// one core and to two (taskset; the client is never pinned). Each cell is the better of --reps
// runs, rex and the floor alternating, and the ratio is against the floor on the same cores in
// the same round.
// Usage: npm run build && node bench/scaling.mjs [--reps 2] [--conns 1,2,4,8] [--cpus 0,0-1] [--traces 1000] [--only B,C]
import { parseArgs } from 'node:util';
import { loadAverage, machine } from './lib/machine.mjs';
import { fmt } from './lib/table.mjs';
import { pinRexBuild, runOn } from './lib/targets.mjs';

const { values: options } = parseArgs({
  options: {
    reps: { type: 'string', default: '2' },
    conns: { type: 'string', default: '1,2,4,8' },
    cpus: { type: 'string', default: '0,0-1' },
    traces: { type: 'string', default: '1000' },
    only: { type: 'string', default: 'B,C' },
  },
});
const reps = Number(options.reps);
const connCounts = options.conns.split(',').map(Number);
const cpuSets = options.cpus.split(',');
const traces = Number(options.traces);
const POINTS = 10_000;

/** The scenarios, each with its client's settings for `n` connections, and the figure compared. */
const SCENARIOS = [
  {
    name: 'B 10k pipelined',
    client: 'traces_multi.py',
    env: (n) => ({ BENCH_CONNECTIONS: n, BENCH_POINTS: POINTS, BENCH_COUNT: traces, BENCH_WINDOW: 64 }),
    figure: (r) => r.floats_per_s / 1e6,
    unit: 'Mfloats/s',
  },
  {
    name: 'C scalar + 10k trace, req/resp',
    client: 'mixed.py',
    env: (n) => ({ BENCH_CLIENTS: n, BENCH_PAIRS: Math.max(1, Math.round(traces / n)), BENCH_POINTS: POINTS }),
    figure: (r) => r.messages_per_s,
    unit: 'messages/s',
  },
];

const { build, remove } = pinRexBuild();
console.log(`rex build ${build}; ${JSON.stringify(machine())}; load ${loadAverage()}`);
const rows = [];
try {
  for (const scenario of SCENARIOS.filter((s) => options.only.split(',').includes(s.name[0]))) {
    for (const cpus of cpuSets) {
      for (const n of connCounts) {
        const best = { rex: 0, floor: 0 };
        for (let rep = 0; rep < reps; rep++) {
          for (const target of rep % 2 === 0 ? ['rex', 'floor'] : ['floor', 'rex']) {
            const result = await runOn(target, scenario.client, scenario.env(n), { cpus });
            best[target] = Math.max(best[target], scenario.figure(result));
          }
        }
        const row = { scenario: scenario.name, unit: scenario.unit, cpus, n, ...best, ratio: best.rex / best.floor };
        rows.push(row);
        console.log(`  ${row.scenario}, cores ${cpus}, ${n} conn: rex ${fmt(row.rex)} floor ${fmt(row.floor)} (${fmt(row.ratio)}×)`);
      }
    }
  }
} finally {
  remove();
}

console.log(`\nload after: ${loadAverage()}\n`);
console.log('| scenario | rex on cores | connections | rex | floor | rex/floor |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.scenario} (${r.unit}) | ${r.cpus} | ${r.n} | ${fmt(r.rex)} | ${fmt(r.floor)} | ${fmt(r.ratio)}× |`);
