// The benchmark harness of issue #6: scenarios A–E against rex, the floor and the raw baselines.
// Usage: npm run bench [-- --quick] [-- --json out.json] [-- --only B,D]   (bench/RESULTS.md)
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAverage, machine } from './lib/machine.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import { markdownTable } from './lib/table.mjs';
import { pinRexBuild } from './lib/targets.mjs';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string', default: Object.keys(SCENARIOS).join(',') },
  },
});
const selected = options.only
  .toUpperCase()
  .split(',')
  .map((s) => s.trim());
for (const name of selected)
  if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name} (known: ${Object.keys(SCENARIOS).join(', ')})`);

const startedAt = Date.now();
const ctx = {
  quick: options.quick,
  timeoutMs: (options.quick ? 10 : 60) * 60_000,
  notes: [],
  log: (text) => console.log(`  [${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${text}`),
};
const host = machine();
const pinned = pinRexBuild();
host.rexBuild = pinned.build;
const loadBefore = loadAverage();
console.log(`rex-daq benchmark (${options.quick ? 'quick' : 'full'}): ${selected.join(', ')}; rex build ${pinned.build}`);
console.log(`machine: nproc ${host.nproc}, ${host.memoryGiB} GiB, ${host.cpu}, Node ${host.node}, ${host.python}; load ${loadBefore}`);

const rows = [];
const figures = {};
const failures = [];
try {
  for (const name of selected) {
    try {
      const result = await SCENARIOS[name](ctx);
      rows.push(...result.rows);
      figures[name] = result.figures;
    } catch (error) {
      // One failing scenario should not cost the others' figures.
      failures.push({ scenario: name, error: error.message });
      rows.push({ scenario: name, metric: `FAILED: ${error.message.split('\n')[0]}` });
      console.error(`scenario ${name} failed: ${error.message}`);
    }
  }
} finally {
  pinned.remove();
}
const loadAfter = loadAverage();
const minutes = (Date.now() - startedAt) / 60_000;

console.log(`\nrex-daq benchmark, ${options.quick ? 'quick' : 'full'} mode, ${host.date}, ${minutes.toFixed(1)} min`);
console.log(
  `machine: nproc ${host.nproc}, ${host.memoryGiB} GiB RAM, ${host.cpu}, Node ${host.node}, ${host.python}, Linux ${host.kernel}`,
);
console.log(`rex build: ${pinned.build}`);
console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${loadAfter}\n`);
console.log(markdownTable(rows));
for (const note of ctx.notes) console.log(`note: ${note}`);

if (options.json) {
  const report = {
    mode: options.quick ? 'quick' : 'full',
    machine: host,
    loadBefore,
    loadAfter,
    minutes,
    rows,
    figures,
    notes: ctx.notes,
    failures,
  };
  fs.writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`figures written to ${options.json}`);
}
process.exitCode = failures.length > 0 ? 1 : 0;
