// A big device line is journaled as skeleton + numbers (src/runtime/journal/line-body.ts): read
// back, it must parse to exactly what its text parses to; small lines stay text.
import { describe, expect, it } from 'vitest';
import { encodeSkeletonBody, parseLineBody } from '../../src/runtime/journal/line-body.js';
import { parseLine, parseLineBytes } from '../../src/protocol/parse.js';

const trace = Array.from({ length: 3000 }, (_, i) => Math.sin(i) / 3);
const binary = Buffer.from(Float64Array.from(trace, (v) => v * 2).buffer).toString('base64');
const line =
  '{"device_name": "scope", "device_config": {"gain": 2.0, "bad": NaN}, "measurements": {' +
  `"a": {"data": [${trace.join(', ')}], "unit": "V"}, ` +
  `"b": {"data": [[${trace.slice(0, 100).join(', ')}], [1, 2, 3]], "unit": "A"}, ` +
  `"c": {"data": {"f64": "${binary}", "shape": [3, 1000]}, "unit": "W"}}}`;

function bodyOf(parts: Buffer[]): Buffer {
  // Journal records are read back at any alignment: shift the body by one byte to prove it.
  return Buffer.concat([Buffer.alloc(1), ...parts]).subarray(1);
}

describe('journal line bodies', () => {
  it('skeleton + data reads back as the same message as the text', () => {
    const { parsed, skeleton } = parseLineBytes(Buffer.from(line));
    expect(parsed.kind).toBe('device');
    expect(skeleton?.extracted).toHaveLength(4);
    const body = bodyOf(encodeSkeletonBody(skeleton!));
    expect(body.length).toBeLessThan(line.length); // float64 beats decimal text
    expect(parseLineBody(body)).toEqual(parseLine(line));
  });

  it('big timestamp arrays are journaled as their bytes and read back as the same timestamps', () => {
    const stamps = Array.from({ length: 3000 }, (_, i) => `2026-01-16T06:35:32.${String(i).padStart(6, '0')}Z`);
    const text = `{"device_name": "d", "device_config": {}, "measurements": {"v": {"data": [1.5], "unit": "V", "timestamps": ${JSON.stringify(stamps)}}}, "timestamps": {"w": ${JSON.stringify(stamps)}}}`;
    const { skeleton } = parseLineBytes(Buffer.from(text));
    expect(skeleton?.extracted).toHaveLength(2);
    for (const body of [bodyOf(encodeSkeletonBody(skeleton!)), Buffer.from(text)]) {
      const parsed = parseLineBody(body);
      if (parsed.kind !== 'device') throw new Error('expected a device line');
      const own = parsed.message.channels[0]!.timestamps!;
      expect(own.length).toBe(3000);
      expect(Array.isArray(own) ? own : own.strings()).toEqual(stamps);
    }
  });

  it('a text body is parsed as text', () => {
    const small = '{"device_name": "x", "device_config": {}, "measurements": {"v": {"data": [1.5], "unit": "V"}}}';
    expect(parseLineBody(Buffer.from(small))).toEqual(parseLine(small));
  });

  it('a body of an unknown format version is refused with a reason, not misread', () => {
    const body = bodyOf(encodeSkeletonBody(parseLineBytes(Buffer.from(line)).skeleton!));
    body[1] = 9;
    expect(() => parseLineBody(body)).toThrow(/unknown format version 9/);
  });
});
