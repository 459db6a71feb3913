// Whole numbers written as floats (`1.0`, `1e3`, `-0`) in device_config / info.meta / result_meta:
// found in the line's text, carried on the parsed messages (SPEC §5 "verbatim").
import { describe, expect, it } from 'vitest';
import { hasWholeNumber, integralFloatPaths } from '../../src/protocol/float-lexemes.js';
import type { JsonObject, JsonPath, ParsedLine } from '../../src/protocol/messages.js';
import { parseLine } from '../../src/protocol/parse.js';

/** The float paths of the object at `at` in `text`, sorted by their JSON (order is not part of the contract). */
function floatsAt(text: string, at: readonly string[]): JsonPath[] | undefined {
  let parsed: unknown = JSON.parse(text);
  for (const key of at) parsed = (parsed as JsonObject)[key];
  const paths = integralFloatPaths(text, at, parsed as JsonObject);
  return paths && sorted(paths);
}

const configFloats = (text: string): JsonPath[] | undefined => floatsAt(text, ['device_config']);
const sorted = (paths: readonly JsonPath[]): JsonPath[] => [...paths].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('integralFloatPaths: which whole numbers were written as floats', () => {
  it('lists `1.0` but not `100`, and nothing without a whole number', () => {
    expect(configFloats('{"device_config": {"gate_time": 1.0, "averages": 100}}')).toEqual([['gate_time']]);
    expect(configFloats('{"device_config": {"gate_time": 1, "averages": 100}}')).toBeUndefined();
    expect(configFloats('{"device_config": {"ratio": 1.5, "name": "x"}}')).toBeUndefined();
    expect(configFloats('{"device_config": {}}')).toBeUndefined();
  });

  it('exponent forms and `-0` count as floats (as serde_json reads them); `0` and `-1` do not', () => {
    const text = '{"device_config": {"a": 1e3, "b": 2E2, "c": 1.5e1, "d": 1e-0, "e": -0, "f": -0.0, "g": 0, "h": -1, "i": 12.5}}';
    expect(configFloats(text)).toEqual([['a'], ['b'], ['c'], ['d'], ['e'], ['f']]);
  });

  it('`true`, `false` and `null` are not numbers (`true` has an `e`)', () => {
    expect(configFloats('{"device_config": {"t": true, "f": false, "n": null, "k": 1}}')).toBeUndefined();
  });

  it('skips strings holding braces, brackets, quotes and escapes, before and inside the object', () => {
    const text =
      '{"device_name": "}{\\"[", "note": "\\\\", "device_config": ' +
      '{"s": "a\\\\\\"}, \\"x\\": 1.0", "t": "\\\\", "n": 2.0, "m": "{[", "k": 3}}';
    expect(configFloats(text)).toEqual([['n']]);
  });

  it('a string that spells the key is not the key', () => {
    const text = '{"note": "\\"device_config\\": {\\"a\\": 1.0}", "device_config": {"a": 1}}';
    expect(configFloats(text)).toBeUndefined();
  });

  it('walks nested objects and arrays; array indices are numbers, keys strings', () => {
    const text = '{"device_config": {"o": {"p": [1, 2.0, [3.0, 4]]}, "arr": [{"x": 5.0, "y": 6}], "q": [7, 8]}}';
    expect(configFloats(text)).toEqual([
      ['arr', 0, 'x'],
      ['o', 'p', 1],
      ['o', 'p', 2, 0],
    ]);
  });

  it('keys that look like numbers keep their names, whatever order JS lists them in', () => {
    // JS lists "0" and "1" before "b"; the paths must still name the right members.
    const text = '{"device_config": {"b": 1.0, "1": 3.0, "0": 2, "list": {"0": 4.0}, "arr": [4.0]}}';
    const paths = configFloats(text)!;
    expect(paths).toEqual([['1'], ['arr', 0], ['b'], ['list', '0']]);
    expect(paths.find((p) => p[0] === 'arr')![1]).toBe(0);
    expect(paths.find((p) => p[0] === 'list')![1]).toBe('0');
  });

  it('decodes escaped keys, in the key path and inside the object', () => {
    expect(configFloats('{"device\\u005fconfig": {"g\\u00e4te": 1.0, "q\\"uote": 2.0}}')).toEqual([['gäte'], ['q"uote']]);
  });

  it('a key given twice: the last one wins, as in JSON.parse', () => {
    expect(configFloats('{"device_config": {"a": 1.0}, "device_config": {"a": 1}}')).toBeUndefined();
    expect(configFloats('{"device_config": {"a": 1}, "device_config": {"a": 1.0}}')).toEqual([['a']]);
    expect(configFloats('{"device_config": {"a": 1.0, "a": 2}}')).toBeUndefined();
    expect(configFloats('{"device_config": {"a": 1, "a": 2.0}}')).toEqual([['a']]);
    // The earlier value was an object with a float inside; the later one replaced it.
    expect(configFloats('{"device_config": {"a": {"b": 1.0}, "a": {"c": 1}}}')).toBeUndefined();
  });

  it('a nested key with the same name is not the top-level one', () => {
    const text = '{"device_config": {"a": 1.0}, "measurements": {"m": {"data": [1.0], "unit": "V", "device_config": {"a": 1}}}}';
    expect(configFloats(text)).toEqual([['a']]);
  });

  it('finds the object after big data arrays, strings in them skipped, without reading the data', () => {
    const data = Array.from({ length: 1000 }, (_, i) => `${i}.0`).join(', ');
    const text =
      `{"device_name": "d", "measurements": {"m": {"data": [${data}], "unit": "]}\\"{["}, ` +
      `"t": {"data": [[1.0, 2.0], [3.0, 4.0]], "unit": "s"}}, "device_config": {"a": 3.0, "b": 4}}`;
    expect(configFloats(text)).toEqual([['a']]);
  });

  it('reads pretty-printed JSON (newlines, tabs, spaces around `:` and `,`)', () => {
    const text = '{\n\t"device_config" :\n {\r\n  "a" : 1.0 ,\n  "b" : [ 2.0 , 3 ]\n }\n}';
    expect(configFloats(text)).toEqual([['a'], ['b', 0]]);
  });

  it('the object can be deeper in the line (info.meta) or the whole text ([])', () => {
    const session = '{"info": {"name": "n", "meta": {"temp": 4.0, "runs": 3}}, "meta": {"x": 1.0}}';
    expect(floatsAt(session, ['info', 'meta'])).toEqual([['temp']]);
    expect(floatsAt('{"sample": 2.0, "n": 2}', [])).toEqual([['sample']]);
  });
});

describe('hasWholeNumber', () => {
  it('looks through nested objects and arrays', () => {
    expect(hasWholeNumber({ a: 'x', b: [1.5, { c: [true, null, 2] }] })).toBe(true);
    expect(hasWholeNumber({ a: 'x', b: [1.5, { c: [true, null, NaN, Infinity] }] })).toBe(false);
  });
});

describe('parseLine carries the float paths', () => {
  const device = (line: string) => {
    const parsed: ParsedLine = parseLine(line);
    if (parsed.kind !== 'device') throw new Error(`not a device message: ${JSON.stringify(parsed)}`);
    return parsed.message;
  };

  it('device_config: `1.0` is listed, `1000` is not; the config values are the parsed numbers', () => {
    const message = device(
      '{"device_name": "spcs", "device_config": {"gate_time": 1.0, "averages": 1000, "sub": {"x": 2.0}}, ' +
        '"measurements": {"counts": {"data": [1.0, 2.0], "unit": "Hz"}}}',
    );
    expect(message.device_config).toEqual({ gate_time: 1, averages: 1000, sub: { x: 2 } });
    expect(sorted(message.device_config_floats!)).toEqual([['gate_time'], ['sub', 'x']]);
  });

  it('no float-written whole number: no device_config_floats key at all', () => {
    const message = device('{"device_name": "d", "device_config": {"a": 1, "b": 0.5}, "measurements": {}}');
    expect('device_config_floats' in message).toBe(false);
  });

  it('with Python NaN / Infinity tokens in the line (the rewrite path)', () => {
    const message = device(
      '{"device_name": "d", "device_config": {"a": NaN, "b": Infinity, "c": -Infinity, "d": 1.0, "e": [NaN, 2.0, 3]}, ' +
        '"measurements": {"m": {"data": [NaN, 1.0], "unit": "V"}}}',
    );
    expect(sorted(message.device_config_floats!)).toEqual([['d'], ['e', 1]]);
    expect(message.device_config.a).toBeNaN();
  });

  it('the validation walk notes a whole number at any depth (the only one here is in a row of a row)', () => {
    const deep = device('{"device_name": "d", "device_config": {"a": {"b": [[0.5, 3.0]]}, "c": "x"}, "measurements": {}}');
    expect(deep.device_config_floats).toEqual([['a', 'b', 0, 1]]);
  });

  it('info.meta of a session (a top-level `meta` is not it; aliases do not matter)', () => {
    const parsed = parseLine(
      '{"meta": {"x": 1.0}, "info": {"name": "n", "email": "e", "experiment_name": "s", ' +
        '"session_description": "d", "meta": {"temperature": 4.0, "runs": 3, "x": 1}}}',
    );
    if (parsed.kind !== 'session') throw new Error(JSON.stringify(parsed));
    expect(parsed.message.info.meta_floats).toEqual([['temperature']]);
    expect(parsed.message.info.meta).toEqual({ temperature: 4, runs: 3, x: 1 });
  });

  it('session without floats in meta (or without meta): no meta_floats', () => {
    for (const meta of [', "meta": {"runs": 3}', '']) {
      const parsed = parseLine(`{"info": {"name": "n", "email": "e", "session_name": "s", "session_description": "d"${meta}}}`);
      if (parsed.kind !== 'session') throw new Error(JSON.stringify(parsed));
      expect('meta_floats' in parsed.message.info).toBe(false);
    }
  });

  it('result_meta of a result', () => {
    const parsed = parseLine(
      '{"result_name": "fit", "result_description": "d", "result_status": true, "ub": 2.0, ' +
        '"result_meta": {"order": 2, "scale": 10.0, "coefficients": [1.0, 0.5]}}',
    );
    if (parsed.kind !== 'result') throw new Error(JSON.stringify(parsed));
    expect(sorted(parsed.message.result_meta_floats!)).toEqual([['coefficients', 0], ['scale']]);
    expect(parsed.message.result_upper_bound).toBe(2);
  });
});
