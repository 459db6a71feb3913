// The parse pool (real piscina thread, from the build in dist/) joins a big line's parts, parses it
// and checksums its journal body: the answer must be what the ingest thread would compute itself
// (a skeleton body's placeholder key is random per parse, so bodies are compared by their parse).
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { LineParser as LineParserType } from '../../src/actors/ingest/pooled-line-parser.js';
import type { LineParse } from '../../src/actors/ingest/parse-line-for-ingest.js';
import type { LineItem } from '../../src/protocol/line-splitter.js';
import { parseLineForIngest } from '../../src/actors/ingest/parse-line-for-ingest.js';
import { outlinesOf } from '../../src/actors/ingest/outlined-device.js';

const { LineParser, POOL_MIN_LINE_BYTES } = (await import(
  new URL('../../dist/actors/ingest/pooled-line-parser.js', import.meta.url).href
)) as typeof import('../../src/actors/ingest/pooled-line-parser.js');
const parser: LineParserType = new LineParser();
afterAll(() => parser.close());

const lineItem = (parts: Buffer[]): LineItem => ({
  kind: 'line',
  parts,
  length: parts.reduce((total, part) => total + part.length, 0),
  endOffset: 0,
});

/** `text` cut into `count` pieces, each alone in its own ArrayBuffer (as the splitter hands them over). */
function ownedParts(text: string, count: number): Buffer[] {
  const bytes = Buffer.from(text);
  const size = Math.ceil(bytes.length / count);
  return Array.from({ length: count }, (_, i) => {
    const part = Buffer.from(new ArrayBuffer(Math.min(size, bytes.length - i * size)));
    bytes.copy(part, 0, i * size);
    return part;
  });
}

describe('LineParser', () => {
  const values = Array.from({ length: 40_000 }, (_, i) => Math.sin(i) / 3);
  const trace = `{"device_name": "scope", "device_config": {"gain": 2}, "measurements": {"ch1": {"data": [${values.join(', ')}], "unit": "V"}}}`;
  // Many small channels: journaled as a channel table, whose outlines the ingest reads from the body.
  const wide = `{"device_name": "wide", "device_config": {}, "measurements": {${Array.from({ length: 12_000 }, (_, i) => `"c${i}": {"data": [${i}.5], "unit": "${i % 2 ? 'V' : 'A'}"}`).join(', ')}}}`;
  const session = `{"info": {"name": "n", "email": "e@x", "session_name": "s", "session_description": "${'d'.repeat(POOL_MIN_LINE_BYTES)}"}}`;

  it('a big line in parts: joined, parsed and its body checksummed on the pool thread', async () => {
    expect(trace.length).toBeGreaterThan(POOL_MIN_LINE_BYTES);
    expect(wide.length).toBeGreaterThan(POOL_MIN_LINE_BYTES);
    for (const text of [trace, session, wide]) {
      const local = parseLineForIngest(Buffer.from(text));
      const parts = ownedParts(text, 7);
      const pooled = await parser.parse(lineItem(parts));
      expect(parts[0]!.buffer.byteLength).toBe(0); // moved to the pool, not copied
      expect(parts.at(-1)!.buffer.byteLength).toBe(0);
      expect(pooled.line.toString()).toBe(text);
      // A device comes back as its outlines (outlined-device.ts): what the ingest decides from.
      expect(pooled.parsed?.kind).toBe(local.parsed?.kind === 'device' ? 'outlined-device' : local.parsed?.kind);
      expect(pooled.deviceBody === null).toBe(local.deviceBody === null);
      expect(pooled.bodyCrc).toBe(crc32(Buffer.concat(pooled.deviceBody ?? [pooled.line])));
      if (pooled.parsed?.kind === 'outlined-device' && local.parsed?.kind === 'device') {
        const { outlines } = pooled.parsed;
        const expected = outlinesOf(local.parsed.message);
        expect(outlines.slices).toBe(expected.slices);
        for (let slice = 0; slice < outlines.slices; slice++) expect(outlines.slice(slice)).toEqual(expected.slice(slice));
      }
    }
  });

  it('parts it does not own (first and last) are copied, the others moved; small lines are parsed at once', async () => {
    const [head, middle, last] = ownedParts(trace, 3);
    const before = Buffer.concat([Buffer.from('{"the line before": 1}\n'), head!]);
    const first = before.subarray(before.length - head!.length);
    const after = Buffer.concat([last!, Buffer.from(`\n${trace}`)]);
    const tail = after.subarray(0, last!.length);
    const pooled = await parser.parse(lineItem([first, middle!, tail]));
    expect(middle!.buffer.byteLength).toBe(0); // moved
    // Copied: the lines before and after live there.
    expect(before.toString()).toMatch(/^\{"the line before": 1\}\n/);
    expect(after.buffer.byteLength).toBeGreaterThan(0);
    expect(pooled.line.toString()).toBe(trace);
    expect(pooled.parsed?.kind).toBe('outlined-device');
    const small = parser.parse(lineItem([Buffer.from('{"info": '), Buffer.from('{}}')]));
    expect(small).not.toBeInstanceOf(Promise);
  });

  it('a trace line in parts is joined into a buffer reused once released, never while held', () => {
    const values = Array.from({ length: 5_000 }, (_, i) => Math.cos(i) / 7);
    const line = (n: number) =>
      `{"device_name": "d${n}", "device_config": {}, "measurements": {"ch": {"data": [${values.join(', ')}], "unit": "V"}}}`;
    const parse = (n: number) => parser.parse(lineItem(ownedParts(line(n), 3))) as LineParse;
    const first = parse(1);
    const second = parse(2); // the first is still held: another buffer
    expect(second.line.buffer).not.toBe(first.line.buffer);
    expect(first.line.toString()).toBe(line(1));
    first.release?.();
    const third = parse(3);
    expect(third.line.buffer).toBe(first.line.buffer); // no new buffer per line
    expect([second.line.toString(), third.line.toString()]).toEqual([line(2), line(3)]);
  });
});

// A 1,000-point JSON trace (~20 KB) as B 1k sends it, and a binary trace: read into reused arrays.
describe.each([
  [
    'binary traces',
    3_000,
    (values: number[]) => `{"f64": "${Buffer.from(new Float64Array(values).buffer).toString('base64')}", "shape": [${values.length}]}`,
  ],
  ['JSON data arrays', 1_000, (values: number[]) => `[${values.join(', ')}]`],
])('LineParser: %s', (_form, count, data) => {
  const line = (n: number) => {
    const values = Array.from({ length: count }, (_, i) => n * 10_000 + i + 0.123456789);
    return `{"device_name": "d", "device_config": {}, "measurements": {"ch": {"data": ${data(values)}, "unit": "V"}}}`;
  };
  const parse = (n: number) => {
    const text = line(n);
    expect(text.length).toBeGreaterThan(16 * 1024); // in the size range that reuses memory
    return parser.parse(lineItem([Buffer.from(text)])) as LineParse;
  };
  const valuesOf = (parse: LineParse): Float64Array => {
    if (parse.parsed?.kind !== 'device') throw new Error(`not a device: ${parse.parsed?.kind}`);
    const data = parse.parsed.message.channels[0]!.data;
    if (data.shape !== 'single') throw new Error('not a single');
    return data.values;
  };
  const last = count - 1;

  it('are read into arrays reused once released, never while held', () => {
    const first = parse(1);
    const second = parse(2); // the first is still held: other arrays
    expect(valuesOf(second).buffer).not.toBe(valuesOf(first).buffer);
    expect([valuesOf(first)[last], valuesOf(second)[last]]).toEqual([10_000 + last + 0.123456789, 20_000 + last + 0.123456789]);
    first.release?.();
    first.release?.(); // a second release gives nothing back twice
    const third = parse(3);
    const fourth = parse(4);
    expect(valuesOf(third).buffer).toBe(valuesOf(first).buffer); // no new array per line
    expect(valuesOf(fourth).buffer).not.toBe(valuesOf(first).buffer);
    expect([valuesOf(second)[0], valuesOf(third)[0], valuesOf(fourth)[0]]).toEqual([20_000.123456789, 30_000.123456789, 40_000.123456789]);
    // The journal body holds the values themselves, not a copy: written before the release.
    expect(third.deviceBody?.some((part) => part.buffer === valuesOf(third).buffer)).toBe(true);
    for (const held of [second, third, fourth]) held.release?.();
  });
});
