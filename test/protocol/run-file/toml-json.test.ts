import { expect, it } from 'vitest';
import type { TomlTable } from '../../../src/protocol/run-file/model.js';
import { tomlToJson } from '../../../src/protocol/run-file/toml-json.js';

it('writes what JSON cannot hold as TOML spells it: nan, inf, -0.0, big integers, integral floats (1000.0); date-times as their text', () => {
  // As the run-file reader reads (integers as bigints, floats as numbers) `a = nan`, `e = 12345678901234567890`, `f = 1979-05-27T07:32:00Z`, ...
  const table: TomlTable = {
    a: Number.NaN,
    b: Number.POSITIVE_INFINITY,
    c: Number.NEGATIVE_INFINITY,
    d: -0,
    e: 12345678901234567890n,
    f: '1979-05-27T07:32:00Z',
    g: [1n, 'x', true, 1000],
    h: { i: 0.1 },
  };
  const json = tomlToJson(table);
  expect(json).toBe(
    '{"a":"nan","b":"inf","c":"-inf","d":-0.0,"e":12345678901234567890,"f":"1979-05-27T07:32:00Z","g":[1,"x",true,1000.0],"h":{"i":0.1}}',
  );
  expect(Object.is(JSON.parse(json).d, -0)).toBe(true);
});
