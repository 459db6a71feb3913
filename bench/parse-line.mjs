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
 * same machine load (the ratio stays meaningful on a busy machine); returns ops/s of each.
 */
function interleavedOpsPerSecond(a, b, batch = 5) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS_PER_CASE * 1e9));
  let timeA = 0n;
  let timeB = 0n;
  let ops = 0;
  let sink = 0;
  do {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink ^= a() === undefined ? 1 : 0;
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink ^= b() === undefined ? 1 : 0;
    const t2 = process.hrtime.bigint();
    timeA += t1 - t0;
    timeB += t2 - t1;
    ops += batch;
  } while (process.hrtime.bigint() < deadline);
  if (sink === 0.5) console.log(sink); // keeps the results observable
  return [ops / (Number(timeA) / 1e9), ops / (Number(timeB) / 1e9)];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`node ${process.version}, ${SECONDS_PER_CASE}s per measurement, batches interleaved, median of ${ROUNDS} rounds (range in brackets)`);
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
