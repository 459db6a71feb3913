// Device messages: Single / Multi data, acceptance rules for data, timestamps (SPEC §2, §4).
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/protocol/parse.js';
import type { DeviceMessage, ParsedLine } from '../../src/protocol/messages.js';

const line = (value: unknown): string => JSON.stringify(value);

function deviceLine(measurements: unknown, extra: Record<string, unknown> = {}): string {
  return line({ device_name: 'scope', device_config: { gate_time: 1000 }, measurements, ...extra });
}

function parseDevice(text: string): DeviceMessage {
  const parsed = parseLine(text);
  if (parsed.kind !== 'device') throw new Error(`expected device, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

function expectInvalid(parsed: ParsedLine, reasonPattern: RegExp): void {
  expect(parsed.kind).toBe('invalid');
  if (parsed.kind === 'invalid') expect(parsed.reason).toMatch(reasonPattern);
}

describe('Device shape', () => {
  it('parses the documented example into channels in the client’s order', () => {
    const message = parseDevice(
      line({
        device_name: 'scope',
        device_config: { gate_time: 1000, nested: { a: 1 } },
        measurements: {
          counts: { data: [1024.5], unit: 'dimensionless' },
          trace: { data: [[0.1, 0.2, 0.3]], unit: 'V' },
        },
        timestamps: { counts: ['2026-01-16T06:35:32.423257Z'] },
      }),
    );
    expect(message.device_name).toBe('scope');
    expect(message.device_config).toEqual({ gate_time: 1000, nested: { a: 1 } });
    expect(message.channels.map((c) => c.name)).toEqual(['counts', 'trace']);
    const [counts, trace] = message.channels;
    expect(counts).toEqual({
      name: 'counts',
      unit: 'dimensionless',
      data: { shape: 'single', values: new Float64Array([1024.5]) },
      timestamps: ['2026-01-16T06:35:32.423257Z'],
    });
    expect(trace?.data).toEqual({ shape: 'multi', rows: [new Float64Array([0.1, 0.2, 0.3])] });
    expect(trace).not.toHaveProperty('timestamps');
  });

  it('device_config and measurements may be empty objects', () => {
    const message = parseDevice(line({ device_name: 'd', device_config: {}, measurements: {} }));
    expect(message).toEqual({ device_name: 'd', device_config: {}, channels: [] });
  });

  it('requires device_name to be a string and config/measurements to be objects', () => {
    expectInvalid(parseLine(line({ device_name: 1, device_config: {}, measurements: {} })), /^device_name: expected a string, got number/);
    expectInvalid(
      parseLine(line({ device_name: 'd', device_config: [], measurements: {} })),
      /^device_config: expected an object, got array/,
    );
    expectInvalid(
      parseLine(line({ device_name: 'd', device_config: null, measurements: {} })),
      /^device_config: expected an object, got null/,
    );
    expectInvalid(
      parseLine(line({ device_name: 'd', device_config: {}, measurements: [] })),
      /^measurements: expected an object, got array/,
    );
  });

  it('requires each measurement to be an object with a string unit and data', () => {
    expectInvalid(parseLine(deviceLine({ a: [1] })), /^measurements\.a: expected an object, got array/);
    expectInvalid(parseLine(deviceLine({ a: { data: [1] } })), /^measurements\.a\.unit: required field missing/);
    expectInvalid(parseLine(deviceLine({ a: { data: [1], unit: 5 } })), /^measurements\.a\.unit: expected a string, got number/);
    expectInvalid(parseLine(deviceLine({ a: { unit: 'V' } })), /^measurements\.a\.data: expected an array .* got nothing/);
  });

  it('quotes channel names that are not identifiers in reasons', () => {
    expectInvalid(
      parseLine(deviceLine({ 'trace (signal)': { data: ['x'], unit: 'V' } })),
      /^measurements\["trace \(signal\)"\]\.data\[0\]/,
    );
  });

  it('keeps a channel named __proto__ like any other', () => {
    const message = parseDevice(deviceLine(JSON.parse('{"__proto__": {"data": [1], "unit": "V"}}')));
    expect(message.channels.map((c) => c.name)).toEqual(['__proto__']);
  });
});

describe('data: Single and Multi', () => {
  it('a flat array is Single; JSON integers are floats', () => {
    const [channel] = parseDevice(deviceLine({ a: { data: [1, 2.5, -3, 0, 1e300], unit: 'V' } })).channels;
    expect(channel?.data).toEqual({ shape: 'single', values: new Float64Array([1, 2.5, -3, 0, 1e300]) });
  });

  it('[] is Single with no values', () => {
    const [channel] = parseDevice(deviceLine({ a: { data: [], unit: 'V' } })).channels;
    expect(channel?.data).toEqual({ shape: 'single', values: new Float64Array(0) });
  });

  it('an array of arrays is Multi, ragged rows and empty rows included', () => {
    const [channel] = parseDevice(deviceLine({ a: { data: [[1, 2], [3], []], unit: 'V' } })).channels;
    expect(channel?.data).toEqual({
      shape: 'multi',
      rows: [new Float64Array([1, 2]), new Float64Array([3]), new Float64Array(0)],
    });
  });

  it('Multi rows of one channel share one buffer (one transfer across threads)', () => {
    const [channel] = parseDevice(
      deviceLine({
        a: {
          data: [
            [1, 2],
            [3, 4],
          ],
          unit: 'V',
        },
      }),
    ).channels;
    if (channel?.data.shape !== 'multi') throw new Error('expected multi');
    expect(channel.data.rows[0]?.buffer).toBe(channel.data.rows[1]?.buffer);
    expect(channel.data.rows[1]?.byteOffset).toBe(16);
  });

  it.each([
    ['a string', ['1.5'], /data\[0\]: expected a number, got string/],
    ['a bool', [1, true], /data\[1\]: expected a number, got boolean/],
    ['a null', [1, 2, null], /data\[2\]: expected a number, got null/],
    ['an object', [{ v: 1 }], /data\[0\]: expected a number, got object/],
  ])('%s inside flat data is invalid', (_what, data, reason) => {
    expectInvalid(parseLine(deviceLine({ a: { data, unit: 'V' } })), reason);
  });

  it.each([
    ['a string', [[1, 'x']], /data\[0\]\[1\]: expected a number, got string/],
    ['a bool', [[false]], /data\[0\]\[0\]: expected a number, got boolean/],
    ['a null', [[1], [null]], /data\[1\]\[0\]: expected a number, got null/],
    ['a deeper array', [[[1]]], /data\[0\]\[0\]: expected a number, got array/],
  ])('%s inside nested data is invalid', (_what, data, reason) => {
    expectInvalid(parseLine(deviceLine({ a: { data, unit: 'V' } })), reason);
  });

  it('mixed flat and nested data is invalid either way round', () => {
    expectInvalid(parseLine(deviceLine({ a: { data: [1, [2]], unit: 'V' } })), /data\[1\]: .*mixes numbers and arrays/);
    expectInvalid(parseLine(deviceLine({ a: { data: [[1], 2], unit: 'V' } })), /data\[1\]: .*mixes numbers and arrays/);
  });

  it.each([['"x"'], ['5'], ['null'], ['true']])('data = %s is invalid', (data) => {
    const text = `{"device_name": "d", "device_config": {}, "measurements": {"a": {"data": ${data}, "unit": "V"}}}`;
    expectInvalid(parseLine(text), /measurements\.a\.data: expected an array of numbers/);
  });

  it('one bad channel rejects the whole line', () => {
    expectInvalid(parseLine(deviceLine({ good: { data: [1], unit: 'V' }, bad: { data: [null], unit: 'V' } })), /measurements\.bad/);
  });
});

describe('NaN and ±Infinity (Python json.dumps tokens)', () => {
  it('are accepted inside Single and Multi data', () => {
    const text =
      '{"device_name": "d", "device_config": {}, "measurements": {' +
      '"s": {"data": [NaN, Infinity, -Infinity, 1.5], "unit": "V"},' +
      '"m": {"data": [[NaN], [1, -Infinity]], "unit": "V"}}}';
    const [single, multi] = parseDevice(text).channels;
    if (single?.data.shape !== 'single' || multi?.data.shape !== 'multi') throw new Error('shapes');
    expect(Array.from(single.data.values)).toEqual([NaN, Infinity, -Infinity, 1.5]);
    expect(multi.data.rows.map((r) => Array.from(r))).toEqual([[NaN], [1, -Infinity]]);
  });

  it('a leading NaN does not make flat data look nested', () => {
    const text = '{"device_name": "d", "device_config": {}, "measurements": {"s": {"data": [NaN, 2], "unit": "V"}}}';
    expect(parseDevice(text).channels[0]?.data.shape).toBe('single');
  });

  it('are accepted inside device_config, at any depth', () => {
    const text =
      '{"device_name": "d", "device_config": {"offset": NaN, "range": [-Infinity, Infinity], "deep": {"x": [NaN]}}, "measurements": {}}';
    const config = parseDevice(text).device_config;
    expect(config.offset).toBeNaN();
    expect(config.range).toEqual([-Infinity, Infinity]);
    expect((config.deep as { x: number[] }).x[0]).toBeNaN();
  });

  it('inside strings they are left alone', () => {
    const text =
      '{"device_name": "NaN Infinity", "device_config": {"note": "x = NaN", "v": NaN}, "measurements": {"a": {"data": [1], "unit": "-Infinity"}}}';
    const message = parseDevice(text);
    expect(message.device_name).toBe('NaN Infinity');
    expect(message.device_config.note).toBe('x = NaN');
    expect(message.channels[0]?.unit).toBe('-Infinity');
  });

  it('are not accepted where a string is required', () => {
    expectInvalid(parseLine('{"device_name": NaN, "device_config": {}, "measurements": {}}'), /^device_name: expected a string, got NaN/);
    expectInvalid(
      parseLine('{"device_name": "d", "device_config": {}, "measurements": {"a": {"data": [1], "unit": Infinity}}}'),
      /unit: expected a string, got Infinity/,
    );
  });

  it.each(['[1Infinity]', '[Infinity5]', '[2NaN]', '[NaN2]', '[1e5NaN]', '[-NaN]', '[--Infinity]', '[Infinity.5]'])(
    'a token fused with another (%s) is still invalid JSON',
    (data) => {
      const text = `{"device_name": "d", "device_config": {}, "measurements": {"a": {"data": ${data}, "unit": "V"}}}`;
      expectInvalid(parseLine(text), /not valid JSON/);
    },
  );

  it('still cannot be used as a key or glued to other tokens', () => {
    expectInvalid(parseLine('{"device_name": "d", "device_config": {NaN: 1}, "measurements": {}}'), /not valid JSON/);
    expectInvalid(parseLine('{"device_name": "d", "device_config": {"a": NaNx}, "measurements": {}}'), /not valid JSON/);
    expectInvalid(parseLine('{"device_name": "d", "device_config": {"a": -NaN}, "measurements": {}}'), /not valid JSON/);
  });
});

describe('device_config nulls and nesting', () => {
  it('keeps nulls inside device_config (Python None)', () => {
    const config = parseDevice(
      line({ device_name: 'd', device_config: { a: null, b: [null, { c: null }] }, measurements: {} }),
    ).device_config;
    expect(config).toEqual({ a: null, b: [null, { c: null }] });
  });
});

describe('timestamps', () => {
  const ts = ['2026-01-16T06:35:32.423257Z', '2026-01-16T06:35:37.5Z'];

  it('the device-level map fills the channel’s timestamps', () => {
    const [a] = parseDevice(deviceLine({ a: { data: [1, 2], unit: 'V' } }, { timestamps: { a: ts } })).channels;
    expect(a?.timestamps).toEqual(ts);
  });

  it('the per-measurement timestamps key (official client) fills them too', () => {
    const [a] = parseDevice(deviceLine({ a: { data: [1, 2], unit: 'V', timestamps: ts } })).channels;
    expect(a?.timestamps).toEqual(ts);
  });

  it('the device-level map wins over the per-measurement key', () => {
    const [a] = parseDevice(deviceLine({ a: { data: [1], unit: 'V', timestamps: ['own'] } }, { timestamps: { a: ['device'] } })).channels;
    expect(a?.timestamps).toEqual(['device']);
  });

  it('entries for unknown channels are ignored; null timestamps count as absent', () => {
    const message = parseDevice(deviceLine({ a: { data: [1], unit: 'V', timestamps: null } }, { timestamps: { other: ['x'] } }));
    expect(message.channels[0]).not.toHaveProperty('timestamps');
    expect(parseDevice(deviceLine({ a: { data: [1], unit: 'V' } }, { timestamps: null })).channels[0]).not.toHaveProperty('timestamps');
  });

  it('counts are passed through verbatim (the merge decides what to do with them)', () => {
    const [a] = parseDevice(deviceLine({ a: { data: [1, 2, 3], unit: 'V', timestamps: [] } })).channels;
    expect(a?.timestamps).toEqual([]);
  });

  it('only strings are accepted (rex_utils sends List[str]; the original’s map is Vec<String>)', () => {
    expectInvalid(
      parseLine(deviceLine({ a: { data: [1], unit: 'V' } }, { timestamps: { a: [1700000000.5] } })),
      /^timestamps\.a\[0\]: expected a string, got number/,
    );
    expectInvalid(
      parseLine(deviceLine({ a: { data: [1], unit: 'V', timestamps: [null] } })),
      /^measurements\.a\.timestamps\[0\]: expected a string, got null/,
    );
    expectInvalid(
      parseLine(deviceLine({ a: { data: [1], unit: 'V', timestamps: 'now' } })),
      /^measurements\.a\.timestamps: expected an array of strings, got string/,
    );
    expectInvalid(
      parseLine(deviceLine({ a: { data: [1], unit: 'V' } }, { timestamps: ['x'] })),
      /^timestamps: expected an object, got array/,
    );
  });

  it('a bad entry in the device-level map rejects the line even for an unknown channel (as serde did)', () => {
    expectInvalid(
      parseLine(deviceLine({ a: { data: [1], unit: 'V' } }, { timestamps: { other: 'x' } })),
      /^timestamps\.other: expected an array of strings/,
    );
  });
});
