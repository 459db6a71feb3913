// Two (or more) builds of rex alternated on one scenario, with the floor in each round, and where
// each build's CPU went, thread by thread, while the client streamed (bench/RESULTS.md, issue 18).
// Usage: npm run build && node bench/ab-builds.mjs --snapshot /tmp/rex-a     (a copy of this build)
//        node bench/ab-builds.mjs --builds /tmp/rex-a,/tmp/rex-b [--reps 6] [--form json|binary]
//             [--points 10000] [--count 1000]
//        A build given as DIR+FLAG+FLAG runs under those node (or V8) flags: /tmp/rex-a+--single-threaded-gc
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage } from './lib/machine.mjs';
import { copyBuild, runOn } from './lib/targets.mjs';

const { values: options } = parseArgs({
  options: {
    snapshot: { type: 'string' },
    builds: { type: 'string' },
    reps: { type: 'string', default: '6' },
    form: { type: 'string', default: 'json' },
    points: { type: 'string', default: '10000' },
    count: { type: 'string', default: '1000' },
  },
});
if (options.snapshot) {
  fs.mkdirSync(options.snapshot, { recursive: true });
  console.log(`build copied: ${copyBuild(options.snapshot)}`);
  process.exit(0);
}
if (!options.builds) throw new Error('--builds DIR,DIR (made with --snapshot DIR) or --snapshot DIR');

const builds = options.builds.split(',').map((spec) => {
  const [dir, ...nodeFlags] = spec.split('+');
  return { name: [path.basename(dir), ...nodeFlags].join(' '), rexBin: path.join(dir, 'bin', 'rex.js'), nodeFlags };
});
const env = {
  BENCH_POINTS: options.points,
  BENCH_COUNT: options.count,
  BENCH_FORM: options.form,
  BENCH_MODE: 'pipelined',
  BENCH_WINDOW: 64,
};
const floats = (result) => result.floats_per_s / 1e6;
/** rex's own threads by their names; V8's and libuv's (all "node") by their offset from the process id. */
const threadLabel = (t) => (t.thread === 0 ? 'main' : t.name && t.name !== 'node' ? t.name : `+${t.thread}`);
const threadsText = (threads) => threads.map((t) => `${threadLabel(t)}${t.nice ? ' (niced)' : ''} ${t.ms}`).join(', ');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

console.log(`${options.count} × ${options.points}-point ${options.form} traces, pipelined; load ${loadAverage()}`);
const runs = new Map(builds.map((b) => [b.name, []]));
for (let rep = 0; rep < Number(options.reps); rep++) {
  // The floor's JSON figure in every round: the ratio compares builds run in the same minute.
  const floor = floats(await runOn('floor', 'traces.py', { ...env, BENCH_FORM: 'json' }));
  for (const build of rep % 2 ? [...builds].reverse() : builds) {
    const result = await runOn('rex', 'traces.py', env, { rexBin: build.rexBin, nodeFlags: build.nodeFlags });
    const streamCpu = result.streamThreadCpu.reduce((total, t) => total + t.ms, 0);
    runs.get(build.name).push({ floats: floats(result), ratio: floats(result) / floor, streamCpu });
    console.log(
      `round ${rep + 1}: ${build.name} ${floats(result).toFixed(2)} Mfloats/s (floor ${floor.toFixed(2)}); stream CPU ${streamCpu} ms: ${threadsText(result.streamThreadCpu.slice(0, 8))}`,
    );
  }
}
for (const [name, list] of runs) {
  const of = (key) => median(list.map((r) => r[key]));
  console.log(
    `${name}: median ${of('floats').toFixed(2)} Mfloats/s, ${of('ratio').toFixed(2)}× the floor's JSON, stream CPU ${of('streamCpu').toFixed(0)} ms`,
  );
}
console.log(`load ${loadAverage()}`);
