// JSON layer: NaN/Infinity rewrite outside strings, nesting limit, oversized lines.
import { describe, expect, it } from 'vitest';
import { parseJsonText, rewriteNonFiniteTokens, validateJsonObject } from '../../src/protocol/json.js';
import { parseLine } from '../../src/protocol/parse.js';
import { MAX_LINE_BYTES, MAX_NESTING_DEPTH } from '../../src/protocol/limits.js';

/** `{"k": {"k": ... 1 ...}}` with `levels` objects. */
function nestedObject(levels: number): string {
  return `${'{"k": '.repeat(levels - 1)}{"k": 1}${'}'.repeat(levels - 1)}`;
}

describe('rewriteNonFiniteTokens', () => {
  it('returns null when there is nothing to rewrite (plain syntax errors stay plain)', () => {
    expect(rewriteNonFiniteTokens('{"a": "NaN", "b": "-Infinity"}')).toBeNull();
    expect(rewriteNonFiniteTokens('{"a": 1')).toBeNull();
  });

  it('rewrites Infinity to an overflowing literal and leaves strings untouched', () => {
    const rewritten = rewriteNonFiniteTokens('{"Infinity": [Infinity, -Infinity], "s": "NaN \\" Infinity"}');
    expect(rewritten).not.toBeNull();
    const value = JSON.parse(rewritten!) as { Infinity: number[]; s: string };
    expect(value.Infinity).toEqual([Infinity, -Infinity]);
    expect(value.s).toBe('NaN " Infinity');
  });

  it('handles escaped backslashes before a closing quote', () => {
    const rewritten = rewriteNonFiniteTokens('{"a": "x\\\\", "b": NaN}');
    expect(rewritten).not.toBeNull();
    expect(() => JSON.parse(rewritten!)).not.toThrow();
  });

  it('leaves an unterminated string alone (the parse still fails)', () => {
    expect(parseJsonText('{"a": NaN, "b": "open').ok).toBe(false);
  });
});

describe('parseJsonText', () => {
  it('fast path for standard JSON', () => {
    expect(parseJsonText('{"a": [1, 2]}')).toEqual({ ok: true, value: { a: [1, 2] }, nanStandIns: false });
  });

  it('reports the error against the client text', () => {
    const parsed = parseJsonText('{"a": NaN,}');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/^not valid JSON/);
  });
});

describe('nesting limit', () => {
  it(`accepts device_config nested exactly ${MAX_NESTING_DEPTH} levels`, () => {
    const text = `{"device_name": "d", "device_config": ${nestedObject(MAX_NESTING_DEPTH)}, "measurements": {}}`;
    expect(parseLine(text).kind).toBe('device');
  });

  it(`rejects device_config, meta and result_meta nested ${MAX_NESTING_DEPTH + 1} levels, naming the place`, () => {
    const deep = nestedObject(MAX_NESTING_DEPTH + 1);
    const device = parseLine(`{"device_name": "d", "device_config": ${deep}, "measurements": {}}`);
    expect(device).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^device_config(\.k)+: nested deeper than 64 levels/) });
    const session = parseLine(`{"info": {"name": "n", "email": "e", "session_name": "s", "session_description": "d", "meta": ${deep}}}`);
    expect(session).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^info\.meta(\.k)+: nested deeper/) });
    const result = parseLine(`{"result_name": "r", "result_description": "d", "result_status": true, "result_meta": ${deep}}`);
    expect(result).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^result_meta(\.k)+: nested deeper/) });
  });

  it('counts arrays as levels too', () => {
    const deepArray = '['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH);
    const result = validateJsonObject(JSON.parse(`{"a": ${deepArray}}`), 'device_config');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^device_config\.a(\[0\])+: nested deeper/);
  });

  it('survives pathological nesting (100 000 levels) without a stack overflow', () => {
    const levels = 100_000;
    const text = `{"device_name": "d", "device_config": {"a": ${'['.repeat(levels)}${']'.repeat(levels)}}, "measurements": {}}`;
    expect(parseLine(text)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/nested deeper/) });
    const inData = `{"device_name": "d", "device_config": {}, "measurements": {"a": {"data": ${'['.repeat(levels)}${']'.repeat(levels)}, "unit": "V"}}}`;
    expect(parseLine(inData).kind).toBe('invalid');
    const inUnknownField = `{"name": "L", "id": "x", "junk": ${'['.repeat(levels)}${']'.repeat(levels)}}`;
    expect(parseLine(inUnknownField).kind).toBe('listener');
  });
});

describe('line size', () => {
  it('the limit fits a 10-million-point trace as JSON text', () => {
    expect(MAX_LINE_BYTES).toBeGreaterThanOrEqual(10_000_000 * 20);
  });

  it('a line over the limit is rejected before any parsing', () => {
    const oversized = `{"name": "L", "id": "x", "pad": "${'x'.repeat(MAX_LINE_BYTES)}"}`;
    expect(parseLine(oversized)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/line longer than/) });
  });
});
