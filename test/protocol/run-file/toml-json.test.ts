import { parse } from 'smol-toml';
import { expect, it } from 'vitest';
import type { TomlTable } from '../../../src/protocol/run-file/model.js';
import { tomlToJson } from '../../../src/protocol/run-file/toml-json.js';

it('writes what JSON cannot hold as TOML spells it: nan, inf, -0.0, big integers, date-times', () => {
  const table = parse(
    'a = nan\nb = inf\nc = -inf\nd = -0.0\ne = 12345678901234567890\nf = 1979-05-27T07:32:00Z\ng = [1, "x", true]\n[h]\ni = 0.1',
    { integersAsBigInt: 'asNeeded' },
  ) as unknown as TomlTable;
  const json = tomlToJson(table);
  expect(json).toBe(
    '{"a":"nan","b":"inf","c":"-inf","d":-0.0,"e":12345678901234567890,"f":"1979-05-27T07:32:00.000Z","g":[1,"x",true],"h":{"i":0.1}}',
  );
  expect(Object.is(JSON.parse(json).d, -0)).toBe(true);
});
