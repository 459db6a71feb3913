// parseLineBytes (big lines read from their bytes, src/protocol/line-skeleton.ts) must give exactly
// what parseLine gives for the same text: the same kind, the same values bit for bit, the same
// reason for a bad line. Generated lines cover number forms, layouts and broken input.
import { describe, expect, it } from 'vitest';
import { mergeDevice, createDeviceRegistry, commitMerge } from '../../src/protocol/merge.js';
import { parseLine, parseLineBytes } from '../../src/protocol/parse.js';
import { TimestampBytes } from '../../src/protocol/timestamp-bytes.js';
import type { ParsedLine } from '../../src/protocol/messages.js';
import { seededRandom } from '../helpers/random.js';

/** Number texts as clients write them, including the edges of the exact fast path. */
const EDGE_NUMBERS = [
  '0',
  '-0',
  '0.0',
  '-0.0',
  '1',
  '-1',
  '1.5',
  '0.1',
  '0.000001',
  '1e-06',
  '1E+22',
  '1e22',
  '1e23',
  '1e-22',
  '1e-23',
  '123456789012345',
  '1234567890123456',
  '12345678901234567',
  '9007199254740993',
  '900719925474099.1',
  '900719925474099',
  '9007199254740992',
  '0.1234567890123456789',
  '5e-324',
  '2.2250738585072014e-308',
  '1.7976931348623157e308',
  '1e999',
  '-1e999',
  '1e-999',
  '123e-2',
  '4.0E0',
  '1.0e+1',
  'NaN',
  'Infinity',
  '-Infinity',
];

function numberText(next: () => number): string {
  const pick = next();
  if (pick < 0.15) return EDGE_NUMBERS[Math.floor(next() * EDGE_NUMBERS.length)]!;
  const value = (next() - 0.5) * 10 ** Math.floor(next() * 12 - 6);
  if (pick < 0.5) return String(value); // full precision (up to 17 digits)
  if (pick < 0.8) return value.toFixed(Math.floor(next() * 8)); // a few digits, like an ADC
  return value.toExponential(Math.floor(next() * 10));
}

function numberList(next: () => number, count: number, separator: string): string {
  return `[${Array.from({ length: count }, () => numberText(next)).join(separator)}]`;
}

/** A device line of at least ~20 KB (the byte path starts at 16 KiB). */
function deviceLine(next: () => number): string {
  const sep = next() < 0.5 ? ', ' : ',';
  const colon = next() < 0.5 ? ': ' : ':';
  const points = 3000 + Math.floor(next() * 3000);
  const multi = next() < 0.4;
  const data = multi
    ? `[${Array.from({ length: 1 + Math.floor(next() * 4) }, () => numberList(next, points, sep)).join(sep)}]`
    : numberList(next, points, sep);
  const extra = next() < 0.3 ? `${sep}"other"${colon}{"data"${colon}[1${sep}2]${sep}"unit"${colon}"A"}` : '';
  return (
    `{"device_name"${colon}"scope"${sep}"device_config"${colon}{"gate"${colon}1.0${sep}"n"${colon}3${sep}"list"${colon}[1${sep}2.0]}` +
    `${sep}"measurements"${colon}{"trace"${colon}{"data"${colon}${data}${sep}"unit"${colon}"V"}${extra}}}`
  );
}

/** Breaks a valid line in one of the ways clients (or networks) do. */
function broken(line: string, next: () => number): string {
  const at = line.indexOf('"data"') + 10 + Math.floor(next() * 200);
  const damage = [
    () => `${line.slice(0, at)}, ${line.slice(at)}`, // an empty element or trailing comma
    () => `${line.slice(0, at)}"x"${line.slice(at)}`,
    () => `${line.slice(0, at)}01${line.slice(at)}`,
    () => `${line.slice(0, at)}-${line.slice(at)}`,
    () => `${line.slice(0, at)}.${line.slice(at)}`,
    () => `${line.slice(0, at)}true${line.slice(at)}`,
    () => `${line.slice(0, at)}[${line.slice(at)}`,
    () => `${line.slice(0, at)}]${line.slice(at)}`,
    () => `${line.slice(0, at)}NaNa${line.slice(at)}`,
    () => line.slice(0, -1),
    () => `${line}x`,
    () => line.replace('"unit": "V"', '"unit": 5').replace('"unit":"V"', '"unit":5'),
    () => line.replace('"data"', '"d\\u0061ta"'),
  ];
  return damage[Math.floor(next() * damage.length)]!();
}

/** Float64Arrays compared bit for bit (NaN equal to NaN, -0 not equal to 0); timestamps kept as bytes, as their strings. */
function bitsOfFloats(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array) return Array.from(value, (v) => (Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : String(v)));
  return value instanceof TimestampBytes ? value.strings() : value;
}

function comparable(parsed: ParsedLine): unknown {
  return JSON.parse(JSON.stringify(parsed, bitsOfFloats));
}

function expectSameAsText(text: string): ParsedLine {
  const fromBytes = parseLineBytes(Buffer.from(text)).parsed;
  expect(comparable(fromBytes)).toEqual(comparable(parseLine(text)));
  return fromBytes;
}

describe('parseLineBytes gives what parseLine gives', () => {
  it('for 150 generated device lines (number forms, separators, Single and Multi)', () => {
    const next = seededRandom(7);
    let devices = 0;
    for (let i = 0; i < 150; i++) {
      const line = deviceLine(next);
      expect(line.length).toBeGreaterThan(16 * 1024);
      if (expectSameAsText(line).kind === 'device') devices++;
    }
    expect(devices).toBe(150);
  });

  it('for 150 broken lines: the same reason', () => {
    const next = seededRandom(11);
    let invalid = 0;
    for (let i = 0; i < 150; i++) {
      if (expectSameAsText(broken(deviceLine(next), next)).kind === 'invalid') invalid++;
    }
    expect(invalid).toBeGreaterThan(100); // a few damages (escaped key, 'NaN' in a number...) stay valid
  });

  it('reads full-precision doubles bit for bit', () => {
    const next = seededRandom(3);
    const values = Array.from({ length: 5000 }, () => (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
    const line = `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": [${values.join(', ')}], "unit": "V"}}}`;
    const parsed = expectSameAsText(line);
    if (parsed.kind !== 'device' || parsed.message.channels[0]!.data.shape !== 'single') throw new Error('expected a Single');
    expect(Array.from(parsed.message.channels[0]!.data.values)).toEqual(values);
  });

  it('a big string elsewhere, escapes in keys and strings, keys twice: as the text parser', () => {
    const data = `[${Array.from({ length: 3000 }, (_, i) => i / 7).join(', ')}]`;
    const lines = [
      `{"device_name": "a\\"b", "device_config": {"s": "${'x'.repeat(40_000)}"}, "measurements": {"x": {"data": [1, 2], "unit": "V"}}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": ${data}, "data": [5], "unit": "V"}}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": [5], "data": ${data}, "unit": "V"}}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": ${data}, "unit": "V"}}, "measurements": {}}`,
      `{"device_name": "a", "device_config": {}, "measur\\u0065ments": {"x": {"data": ${data}, "unit": "V"}}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x\\"y": {"data": ${data}, "unit": "V\\\\"}}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": [${data}, 3], "unit": "V"}}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": [[], ${data}], "unit": "V"}}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": ${data.replace('[', '[ ')} , "unit": "V"}}}`,
      `  {"device_name": "a", "device_config": {}, "measurements": {"x": {"data": ${data}, "unit": "V"}}}`,
      `{"info": {"name": "n", "email": "e", "session_name": "s", "session_description": "${'d'.repeat(20_000)}"}}`,
      `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": ${data}, "unit": "V", "timestamps": ["t"]}}}`,
    ];
    for (const line of lines) expectSameAsText(line);
  });
});

describe('binary traces (SPEC §12) in big lines', () => {
  const values = Float64Array.from({ length: 100_000 }, (_, i) => (i % 97 === 0 ? NaN : Math.sin(i) * 1e-3));
  const base64 = Buffer.from(values.buffer).toString('base64');
  const line = (f64: string, shape: string): string =>
    `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": {"f64": "${f64}", "shape": ${shape}}, "unit": "V"}}}`;

  it('decodes 100,000 values (base64 longer than one piece) bit for bit, Single and Multi', () => {
    const single = expectSameAsText(line(base64, '[100000]'));
    if (single.kind !== 'device' || single.message.channels[0]!.data.shape !== 'single') throw new Error('expected a Single');
    expect(Buffer.from(single.message.channels[0]!.data.values.buffer).equals(Buffer.from(values.buffer))).toBe(true);
    const multi = expectSameAsText(line(base64, '[4, 25000]'));
    if (multi.kind !== 'device' || multi.message.channels[0]!.data.shape !== 'multi') throw new Error('expected a Multi');
    expect(multi.message.channels[0]!.data.rows).toHaveLength(4);
  });

  it('bad base64, a wrong shape, an escape: the same answer as the text parser', () => {
    const cases: Array<[f64: string, shape: string, kind: ParsedLine['kind']]> = [
      [base64, '[99999]', 'invalid'],
      [`${base64.slice(0, 70_000)}*${base64.slice(70_001)}`, '[100000]', 'invalid'],
      [`${base64.slice(0, 70_000)}=${base64.slice(70_001)}`, '[100000]', 'invalid'],
      [`${base64.slice(0, 70_000)}-${base64.slice(70_001)}`, '[100000]', 'invalid'],
      [`${base64.slice(0, -3)}_${base64.slice(-2)}`, '[100000]', 'invalid'],
      [base64.slice(0, -2), '[100000]', 'invalid'],
      [base64, '"100000"', 'invalid'],
      // `\/` is JSON for `/`, a base64 character: valid, read by the text parser.
      [`${base64.slice(0, 70_000)}\\/${base64.slice(70_001)}`, '[100000]', 'device'],
    ];
    for (const [f64, shape, kind] of cases) expect(expectSameAsText(line(f64, shape)).kind).toBe(kind);
  });
});

// Big arrays of timestamps are kept as their bytes (timestamp-bytes.ts) and become strings only
// when the merge stores them: 5,000,000 timestamps for one value must not cost 5,000,000 strings.
describe('timestamp arrays in big lines', () => {
  const stamp = (i: number) => `2026-01-16T06:35:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}Z`;
  const stamps = (n: number, at = stamp) => JSON.stringify(Array.from({ length: n }, (_, i) => at(i)));
  const line = (values: number, device: string | null, own: string | null) =>
    `{"device_name": "a", "device_config": {}, "measurements": {"x": {"data": [${Array.from({ length: values }, (_, i) => i).join(', ')}], "unit": "V"${
      own === null ? '' : `, "timestamps": ${own}`
    }}, "y": {"data": [1], "unit": "V"}}${device === null ? '' : `, "timestamps": {"x": ${device}, "y": ["${stamp(1)}"]}`}}`;

  /** What the merge stores and warns, from the bytes and from the text. */
  function expectSameMerge(text: string): { stored: unknown; warnings: unknown } {
    const results = [parseLineBytes(Buffer.from(text)).parsed, parseLine(text)].map((parsed) => {
      if (parsed.kind !== 'device') return { stored: parsed, warnings: [] };
      const devices = createDeviceRegistry();
      const outcome = mergeDevice(devices, parsed.message, '2026-01-16T00:00:00Z');
      if (!outcome.ok) return { stored: outcome.reason, warnings: [] };
      commitMerge(devices, outcome);
      return {
        stored: JSON.stringify(
          outcome.effects.map((effect) => effect.store),
          bitsOfFloats,
        ),
        warnings: outcome.warnings,
      };
    });
    expect(results[0]).toEqual(results[1]);
    return results[0]!;
  }

  it('kept as bytes: a count that rules them out (the arrival time), one per value (stored), one for all', () => {
    const many = parseLineBytes(Buffer.from(line(1, stamps(50_000), null))).parsed;
    if (many.kind !== 'device') throw new Error('expected a device line');
    expect(many.message.channels[0]!.timestamps).toBeInstanceOf(TimestampBytes);
    expect(many.message.channels[0]!.timestamps!.length).toBe(50_000);
    expect(many.message.channels[1]!.timestamps).toEqual([stamp(1)]); // small: parsed as text
    expect(expectSameMerge(line(1, stamps(50_000), null)).warnings).toHaveLength(1);
    expect(expectSameMerge(line(5000, stamps(5000), null)).stored).toContain(stamp(4999));
    expect(expectSameMerge(line(5000, null, stamps(5000))).stored).toContain(stamp(4999));
    expectSameMerge(line(5000, stamps(5000), stamps(3)));
    expectSameMerge(
      line(
        3000,
        stamps(3000, (i) => (i === 2000 ? 'not a time' : stamp(i))),
        null,
      ),
    );
    expectSameMerge(line(20, stamps(1), stamps(20_000)));
  });

  it('escapes, non-strings, odd spacing, broken arrays: as the text parser', () => {
    const plain = stamps(2000);
    const variants = [
      plain.replace(stamp(7), 'a\\"b'),
      plain.replace(`"${stamp(7)}"`, '17'),
      plain.replace(`"${stamp(7)}"`, 'null'),
      plain.replace(`"${stamp(7)}"`, `"${stamp(7)}\u00e9"`),
      plain.replace(stamp(7), 'é ü'),
      plain.replaceAll(',', ' ,\t'),
      plain.replace('[', '[ '),
      plain.slice(0, -1),
      `${plain.slice(0, -1)},]`,
      '[]',
      `[${' '.repeat(600)}]`,
    ];
    for (const variant of variants) {
      expectSameAsText(line(2000, variant, null));
      expectSameAsText(line(2000, null, variant));
      expectSameMerge(line(2000, variant, null));
    }
  });
});
