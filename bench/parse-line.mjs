// parseLine vs a bare JSON.parse of the same line (see bench/README.md, "parse-line").
// Run: npm run build && node bench/parse-line.mjs [seconds per round, default 2]
import { parseLine } from '../dist/protocol/parse.js';

const SECONDS_PER_CASE = Number(process.argv[2] ?? 2);
const ROUNDS = 5;
const POINTS = 10_000;

// Deterministic pseudo-random values (mulberry32) so every run parses the same text.
function randomValues(count, seed) {
  let state = seed >>> 0;
  const values = new Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return values;
}

/** Python json.dumps style: `", "` and `": "` separators, shortest round-trip floats. */
const pyList = (values) => `[${values.join(', ')}]`;

function deviceLine(dataText, extraChannels = '') {
  return (
    '{"device_name": "test_daq", "device_config": {"gate_time": 1000, "averages": 100, "trace": true}, ' +
    `"measurements": {"counts": {"data": [1024.5726120750805], "unit": "dimensionless"}${extraChannels}, ` +
    `"trace (signal)": {"data": ${dataText}, "unit": "V"}}}`
  );
}

const values = randomValues(POINTS, 42);
const cases = [
  { name: `flat (Single), ${POINTS} points`, line: deviceLine(pyList(values)) },
  { name: `Multi, 1 row × ${POINTS} points`, line: deviceLine(`[${pyList(values)}]`) },
  {
    name: `Multi, 100 rows × 100 points`,
    line: deviceLine(`[${Array.from({ length: 100 }, (_, r) => pyList(values.slice(r * 100, r * 100 + 100))).join(', ')}]`),
  },
  {
    name: `flat with NaN/Infinity tokens (fallback path), ${POINTS} points`,
    line: deviceLine(pyList(values.map((v, i) => (i % 1000 === 0 ? 'NaN' : i % 1000 === 500 ? 'Infinity' : v)))),
    baseline: 'rewritten', // JSON.parse cannot read this line; compare with the same line using 1e999/null
  },
];

/**
 * Times `a` and `b` in alternating batches for about SECONDS_PER_CASE seconds, so both see the
 * same machine state; returns ops/s of each. Time is the process's CPU time (user + system),
 * not wall time, so a busy machine (other processes taking turns on the cores) does not
 * inflate either side.
 */
function interleavedOpsPerSecond(a, b, batch = 5) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS_PER_CASE * 1e9));
  let cpuA = 0;
  let cpuB = 0;
  let ops = 0;
  let sink = 0;
  const timeBatch = (fn) => {
    const start = process.cpuUsage();
    for (let i = 0; i < batch; i++) sink ^= fn() === undefined ? 1 : 0;
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };
  let aFirst = true;
  do {
    // Alternate who goes first: a batch may pay for collecting the other's garbage.
    if (aFirst) {
      cpuA += timeBatch(a);
      cpuB += timeBatch(b);
    } else {
      cpuB += timeBatch(b);
      cpuA += timeBatch(a);
    }
    aFirst = !aFirst;
    ops += batch;
  } while (process.hrtime.bigint() < deadline);
  if (sink === 0.5) console.log(sink); // keeps the results observable
  return [ops / (cpuA / 1e6), ops / (cpuB / 1e6)];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `node ${process.version}; ops/s per CPU-second; ${SECONDS_PER_CASE} s per round, ` +
    `batches interleaved, median of ${ROUNDS} rounds (range of the ratio in brackets)`,
);
// Warm up: let the JIT settle on every line shape before anything is timed.
for (const deadline = Date.now() + 1500; Date.now() < deadline; ) {
  for (const testCase of cases) {
    parseLine(testCase.line);
    JSON.parse(testCase.line.replaceAll('NaN', 'null').replaceAll('Infinity', '1e999'));
  }
}

console.log('| case | line size | JSON.parse ops/s | parseLine ops/s | parseLine time ÷ JSON.parse time |');
console.log('|---|---|---|---|---|');
for (const testCase of cases) {
  const check = parseLine(testCase.line);
  if (check.kind !== 'device') throw new Error(`${testCase.name}: ${JSON.stringify(check)}`);
  const baselineLine =
    testCase.baseline === 'rewritten'
      ? testCase.line.replaceAll('NaN', 'null').replaceAll('Infinity', '1e999')
      : testCase.line;
  const jsonRates = [];
  const parseRates = [];
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    const [json, parse] = interleavedOpsPerSecond(
      () => JSON.parse(baselineLine),
      () => parseLine(testCase.line),
    );
    jsonRates.push(json);
    parseRates.push(parse);
    ratios.push(json / parse);
  }
  const json = median(jsonRates);
  const parse = median(parseRates);
  const ratio = median(ratios);
  const kib = (Buffer.byteLength(testCase.line) / 1024).toFixed(0);
  console.log(`| ${testCase.name} | ${kib} KiB | ${json.toFixed(0)} | ${parse.toFixed(0)} | ${ratio.toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`);
}

// The binary form (SPEC §12) against the JSON-text form of the same 10,000 values.
const binaryLine = (() => {
  const bytes = Buffer.alloc(POINTS * 8);
  values.forEach((v, i) => bytes.writeDoubleLE(v, i * 8));
  return deviceLine(JSON.stringify({ f64: bytes.toString('base64'), shape: [POINTS] }));
})();
const textLine = cases[0].line;
if (parseLine(binaryLine).kind !== 'device') throw new Error('binary line did not parse');
const binaryRates = [];
for (let round = 0; round < ROUNDS; round++) {
  binaryRates.push(interleavedOpsPerSecond(() => parseLine(textLine), () => parseLine(binaryLine)));
}
const textOps = median(binaryRates.map(([text]) => text));
const binaryOps = median(binaryRates.map(([, binary]) => binary));
console.log('');
console.log('| parseLine, 10000 points | line size | ops/s |');
console.log('|---|---|---|');
console.log(`| JSON text | ${(Buffer.byteLength(textLine) / 1024).toFixed(0)} KiB | ${textOps.toFixed(0)} |`);
console.log(`| binary {f64, shape} | ${(Buffer.byteLength(binaryLine) / 1024).toFixed(0)} KiB | ${binaryOps.toFixed(0)} |`);
