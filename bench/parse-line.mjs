// parseLine vs a bare JSON.parse of the same line (see bench/README.md, "parse-line").
// Run: npm run build && node bench/parse-line.mjs [seconds per round, default 2]
import { parseLine } from '../dist/protocol/parse.js';
import { seededRandom } from './lib/random.mjs';

const SECONDS_PER_ROUND = Number(process.argv[2] ?? 2);
const ROUNDS = 5;
const POINTS = 10_000;

// Deterministic pseudo-random values so every run parses the same text.
function randomValues(count, seed) {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => next() * 2 - 1);
}

/** Python json.dumps style: `", "` separators, shortest round-trip floats. */
const pyList = (values) => `[${values.join(', ')}]`;

/** A line like the official client's (rex_utils example_measurement.py) with one big channel. */
function deviceLine(dataText) {
  return (
    '{"device_name": "test_daq", ' +
    '"device_config": {"gate_time": 1000, "averages": 100, "trace": true}, ' +
    '"measurements": {"counts": {"data": [1024.5726120750805], "unit": "dimensionless"}, ' +
    `"trace (signal)": {"data": ${dataText}, "unit": "V"}}}`
  );
}

const values = randomValues(POINTS, 42);
const rowsOf100 = Array.from({ length: 100 }, (_, r) => pyList(values.slice(r * 100, r * 100 + 100)));
const withTokens = values.map((v, i) => (i % 1000 === 0 ? 'NaN' : i % 1000 === 500 ? 'Infinity' : v));
const cases = [
  { name: `flat (Single), ${POINTS} points`, line: deviceLine(pyList(values)) },
  { name: `Multi, 1 row × ${POINTS} points`, line: deviceLine(`[${pyList(values)}]`) },
  { name: 'Multi, 100 rows × 100 points', line: deviceLine(`[${rowsOf100.join(', ')}]`) },
  // JSON.parse cannot read this line; its baseline is the same line with null / 1e999.
  { name: `flat with NaN/Infinity tokens (fallback), ${POINTS} points`, line: deviceLine(pyList(withTokens)) },
];
const standardJson = (line) => line.replaceAll('NaN', 'null').replaceAll('Infinity', '1e999');

/**
 * Runs `a` and `b` in alternating batches (alternating who goes first, since a batch may pay for
 * collecting the other's garbage) for about SECONDS_PER_ROUND, so both see the same machine
 * state. Returns ops/s of each, by process CPU time (user + system, all threads: includes V8's
 * background GC work) and by wall time (the latency the event loop sees).
 */
function interleaved(a, b, batch = 5) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS_PER_ROUND * 1e9));
  const spent = { a: { cpu: 0, wall: 0 }, b: { cpu: 0, wall: 0 } };
  let sink = 0;
  const timeBatch = (fn, into) => {
    const cpuStart = process.cpuUsage();
    const wallStart = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink ^= fn() === undefined ? 1 : 0;
    into.wall += Number(process.hrtime.bigint() - wallStart) / 1e3;
    const cpu = process.cpuUsage(cpuStart);
    into.cpu += cpu.user + cpu.system;
  };
  let ops = 0;
  do {
    if (ops % (2 * batch) === 0) {
      timeBatch(a, spent.a);
      timeBatch(b, spent.b);
    } else {
      timeBatch(b, spent.b);
      timeBatch(a, spent.a);
    }
    ops += batch;
  } while (process.hrtime.bigint() < deadline);
  if (sink === 0.5) console.log(sink); // keeps the results observable
  const rate = (micros) => ops / (micros / 1e6);
  return {
    a: { cpu: rate(spent.a.cpu), wall: rate(spent.a.wall) },
    b: { cpu: rate(spent.b.cpu), wall: rate(spent.b.wall) },
  };
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const kib = (line) => `${(Buffer.byteLength(line) / 1024).toFixed(0)} KiB`;

// Warm up: let the JIT settle on every line shape before anything is timed.
for (const deadline = Date.now() + 1500; Date.now() < deadline; ) {
  for (const { line } of cases) {
    if (parseLine(line).kind !== 'device') throw new Error(`bench line did not parse: ${line.slice(0, 80)}`);
    JSON.parse(standardJson(line));
  }
}

console.log(
  `node ${process.version}; ${SECONDS_PER_ROUND} s per round, median of ${ROUNDS} rounds; ` +
    'ratio = parseLine time ÷ JSON.parse time (range over rounds)',
);
console.log('');
console.log('| case | line | JSON.parse ops/CPU-s | parseLine ops/CPU-s | ratio, CPU time | ratio, wall time |');
console.log('|---|---|---|---|---|---|');
for (const testCase of cases) {
  const baseline = standardJson(testCase.line);
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    rounds.push(
      interleaved(
        () => JSON.parse(baseline),
        () => parseLine(testCase.line),
      ),
    );
  }
  const cpuRatios = rounds.map((r) => r.a.cpu / r.b.cpu);
  const wallRatios = rounds.map((r) => r.a.wall / r.b.wall);
  console.log(
    `| ${testCase.name} | ${kib(testCase.line)} | ${median(rounds.map((r) => r.a.cpu)).toFixed(0)} | ` +
      `${median(rounds.map((r) => r.b.cpu)).toFixed(0)} | ` +
      `${median(cpuRatios).toFixed(2)}× (${range(cpuRatios)}) | ` +
      `${median(wallRatios).toFixed(2)}× (${range(wallRatios)}) |`,
  );
}

// The binary form (SPEC §12) against the JSON-text form of the same 10,000 values.
const bytes = Buffer.alloc(POINTS * 8);
values.forEach((v, i) => {
  bytes.writeDoubleLE(v, i * 8);
});
const binaryLine = deviceLine(JSON.stringify({ f64: bytes.toString('base64'), shape: [POINTS] }));
const textLine = cases[0].line;
if (parseLine(binaryLine).kind !== 'device') throw new Error('binary line did not parse');
const binaryRounds = [];
for (let round = 0; round < ROUNDS; round++) {
  binaryRounds.push(
    interleaved(
      () => parseLine(textLine),
      () => parseLine(binaryLine),
    ),
  );
}
console.log('');
console.log(`| parseLine, ${POINTS} points | line | ops/CPU-s | ops/wall-s |`);
console.log('|---|---|---|---|');
for (const [label, line, pick] of [
  ['JSON text', textLine, (r) => r.a],
  ['binary {f64, shape}', binaryLine, (r) => r.b],
]) {
  const cpu = median(binaryRounds.map((r) => pick(r).cpu));
  const wall = median(binaryRounds.map((r) => pick(r).wall));
  console.log(`| ${label} | ${kib(line)} | ${cpu.toFixed(0)} | ${wall.toFixed(0)} |`);
}
