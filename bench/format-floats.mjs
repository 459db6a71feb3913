// formatFloats (the final file's data as bytes, writeShortestDouble) vs V8's own Number → string
// joined as the renderer used to (see bench/README.md, "format-floats").
// Run: npm run build && node bench/format-floats.mjs [seconds per round, default 2]
import { formatFloats, tomlFloat } from '../dist/protocol/output/toml-values.js';
import { seededRandom } from './lib/random.mjs';

const SECONDS_PER_ROUND = Number(process.argv[2] ?? 2);
const ROUNDS = 5;
const RUN = 16_384;

const next = seededRandom(42);
const cases = [
  // What the bench clients send: full-precision doubles, ~18 digits each.
  { name: 'trace: sin(i·0.001) + noise', values: Float64Array.from({ length: RUN }, (_, i) => Math.sin(i * 0.001) + next() * 1e-3) },
  // An instrument that prints few digits: short shortest texts, some integral values.
  {
    name: 'few digits: 4–8 significant',
    values: Float64Array.from({ length: RUN }, (_, i) => Number((next() * 100).toPrecision(4 + (i % 5)))),
  },
];

/** The renderer before: one string per value, joined. */
const joinStrings = (values) => Array.from(values, tomlFloat).join(', ');
const asBytes = (values) => formatFloats(values, ', ');

for (const { values } of cases) {
  if (Buffer.from(asBytes(values)).toString('latin1') !== joinStrings(values)) throw new Error('formatFloats differs from tomlFloat');
}

/** Values per CPU-second of each contender, in alternating batches. */
function round(values) {
  const contenders = [
    { name: 'String(x)', run: () => joinStrings(values).length, cpu: 0, values: 0 },
    { name: 'formatFloats', run: () => asBytes(values).length, cpu: 0, values: 0 },
  ];
  const end = Date.now() + SECONDS_PER_ROUND * 1000;
  for (let batch = 0; Date.now() < end; batch++) {
    for (const contender of batch % 2 === 0 ? contenders : [...contenders].reverse()) {
      const before = process.cpuUsage();
      for (let i = 0; i < 5; i++) contender.run();
      const used = process.cpuUsage(before);
      contender.cpu += (used.user + used.system) / 1e6;
      contender.values += 5 * values.length;
    }
  }
  return contenders.map((c) => c.values / c.cpu);
}

console.log(`node ${process.version}, ${ROUNDS} rounds of ${SECONDS_PER_ROUND} s, runs of ${RUN} values\n`);
console.log('| values | String(x) joined, Mvalues/s | formatFloats, Mvalues/s | speed-up (median, range) |');
console.log('|---|---:|---:|---:|');
for (const { name, values } of cases) {
  const rounds = Array.from({ length: ROUNDS }, () => round(values));
  const ratios = rounds.map(([strings, bytes]) => bytes / strings).sort((a, b) => a - b);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const strings = median(rounds.map((r) => r[0]));
  const bytes = median(rounds.map((r) => r[1]));
  console.log(
    `| ${name} | ${(strings / 1e6).toFixed(2)} | ${(bytes / 1e6).toFixed(2)} | ` +
      `${median(ratios).toFixed(2)}× (${ratios[0].toFixed(2)}–${ratios.at(-1).toFixed(2)}) |`,
  );
}
