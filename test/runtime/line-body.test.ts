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
