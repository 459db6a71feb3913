// Whole numbers the client wrote as floats come out of the TOML as floats (`gate_time = 1.0`),
// integers as integers (`averages = 100`): from the parsed line, through the merge, to the file.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createDeviceRegistry, mergeAndCommit } from '../../src/protocol/merge.js';
import type { DeviceMessage, JsonObject, SessionInfo } from '../../src/protocol/messages.js';
import { renderOutputToString } from '../../src/protocol/output/render.js';
import type { OutputSource } from '../../src/protocol/output/source.js';
import { floatMarks, tomlInlineValue, tomlNumber } from '../../src/protocol/output/toml-values.js';
import { parseLine } from '../../src/protocol/parse.js';
import { withMetaJson } from '../../src/protocol/session-meta.js';

/** The lines of one `[table]`, up to the next header. */
function section(toml: string, header: string): string[] {
  const lines = toml.split('\n');
  const start = lines.indexOf(header);
  if (start === -1) throw new Error(`no ${header} in:\n${toml}`);
  const rest = lines.slice(start + 1);
  const next = rest.findIndex((line) => line.startsWith('['));
  return (next === -1 ? rest : rest.slice(0, next)).filter((line) => line !== '');
}

function parsedDevice(line: string): DeviceMessage {
  const parsed = parseLine(line);
  if (parsed.kind !== 'device') throw new Error(JSON.stringify(parsed));
  return parsed.message;
}

const SESSION = { uuid: '230a9337-0f16-4677-b03d-1d4b360ade4f', start_time: '2026-01-16T06:35:32.421Z', end_time: '' };

describe('toml-values with float marks', () => {
  it('tomlNumber: a whole number written as a float stays a float', () => {
    expect(tomlNumber(1)).toBe('1');
    expect(tomlNumber(1, true)).toBe('1.0');
    expect(tomlNumber(-0)).toBe('-0.0');
    expect(tomlNumber(1.5, true)).toBe('1.5');
  });

  it('inline values: marked numbers in arrays and inline tables, by index and by key', () => {
    const value: JsonObject = { list: [1, 2, 3], table: { '0': 4, x: 5 }, nested: [[6, 7]] };
    const marks = floatMarks([
      ['list', 1],
      ['table', '0'],
      ['nested', 0, 0],
    ]);
    expect(tomlInlineValue(value, undefined, marks)).toBe('{ list = [1.0, 2.0, 3.0], nested = [[6.0, 7.0]], table = { 0 = 4.0, x = 5 } }');
    expect(tomlInlineValue([1.0, 2.0], undefined, floatMarks([[0], [1]]))).toBe('[1.0, 2.0]');
    expect(tomlInlineValue([1.0, 2.0], undefined, floatMarks([['0']]))).toBe('[1, 2]'); // a key, not an index
  });

  it('a mixed array written as JSON texts keeps `1.0`', () => {
    const text = tomlInlineValue([1, 'a', { x: 2, y: 3 }], undefined, floatMarks([[0], [2, 'x']]));
    expect(text).toBe('["1.0", "\\"a\\"", "{\\"x\\":2.0,\\"y\\":3}"]');
  });
});

describe('rendering device_config, result_meta and session meta', () => {
  const configLine =
    '{"device_name": "spcs", "device_config": {"gate_time": 1.0, "averages": 100, "initial_wavelength": 500.0, ' +
    '"limits": {"low": -0, "high": 1e3, "steps": 10}, "points": [1.0, 2.0], "counts": [1, 2]}, ' +
    '"measurements": {"counts": {"data": [1.0, 2.0], "unit": "Hz"}}}';

  it('from parseLine through the merge: `gate_time = 1.0`, `averages = 100`; the first config is kept', async () => {
    const devices = createDeviceRegistry();
    mergeAndCommit(devices, parsedDevice(configLine), '2026-01-16T06:35:33Z');
    // A later message's config (and its floats) is ignored, as the config itself.
    const later = parsedDevice(configLine.replace('"averages": 100', '"averages": 100.0'));
    expect(later.device_config_floats).toContainEqual(['averages']);
    const merged = mergeAndCommit(devices, later, '2026-01-16T06:35:34Z');
    if (!merged.ok) throw new Error(merged.reason);
    const state = merged.device;
    expect(state.configFloats).not.toContainEqual(['averages']);

    const source: OutputSource = {
      devices: [{ name: 'spcs', config: state.config, configFloats: state.configFloats!, channels: [] }],
    };
    const toml = await renderOutputToString(source);
    expect(section(toml, '[device.spcs]')).toEqual([
      'averages = 100',
      'counts = [1, 2]',
      'device_name = "spcs"',
      'gate_time = 1.0',
      'initial_wavelength = 500.0',
      'points = [1.0, 2.0]',
    ]);
    expect(section(toml, '[device.spcs.limits]')).toEqual(['high = 1000.0', 'low = -0.0', 'steps = 10']);
  });

  it('a device whose first message had no floats stays so, whatever later messages say', () => {
    const devices = createDeviceRegistry();
    mergeAndCommit(devices, parsedDevice('{"device_name": "d", "device_config": {"a": 1}, "measurements": {}}'), 't');
    const merged = mergeAndCommit(devices, parsedDevice('{"device_name": "d", "device_config": {"a": 1.0}, "measurements": {}}'), 't');
    if (!merged.ok) throw new Error(merged.reason);
    expect(merged.device.config).toEqual({ a: 1 });
    expect('configFloats' in merged.device).toBe(false);
  });

  it('result_meta and info.meta', async () => {
    const result = parseLine(
      '{"result_name": "fit", "result_description": "d", "result_status": true, "result_value": 2.0, ' +
        '"result_meta": {"order": 2, "scale": 10.0}}',
    );
    const session = parseLine(
      '{"info": {"name": "n", "email": "e", "session_name": "s", "session_description": "d", ' +
        '"meta": {"temperature": 4.0, "runs": 3, "cryostat": {"field": 0.0}}}}',
    );
    if (result.kind !== 'result' || session.kind !== 'session') throw new Error('unexpected parse');
    const toml = await renderOutputToString({
      devices: [],
      results: [result.message],
      session: { ...SESSION, info: session.message.info },
    });
    expect(section(toml, '[results.fit]')).toContain('scale = 10.0');
    expect(section(toml, '[results.fit]')).toContain('order = 2');
    expect(section(toml, '[session.info.meta]')).toEqual(['runs = 3', 'temperature = 4.0']);
    expect(section(toml, '[session.info.meta.cryostat]')).toEqual(['field = 0.0']);
  });

  it("a line repeated, alternated with others, gets its own floats every time (the last line's are remembered)", () => {
    const integers = configLine.replace('"gate_time": 1.0', '"gate_time": 1');
    const asText = (line: string) => JSON.stringify(parsedDevice(line).device_config_floats ?? null);
    const first = asText(configLine);
    expect(first).toContain('["gate_time"]');
    const seen = [configLine, configLine, integers, integers, configLine].map(asText);
    expect(seen[0]).toBe(first);
    expect(seen[1]).toBe(first);
    expect(seen[2]).not.toContain('["gate_time"]');
    expect(seen[3]).toBe(seen[2]);
    expect(seen[4]).toBe(first);
  });

  it("lines that differ only in their values share their config's floats; a config that changes is read again", () => {
    const withValue = (line: string, value: string) => line.replace('"data": [1.0, 2.0]', `"data": [${value}]`);
    const integers = configLine.replace('"gate_time": 1.0', '"gate_time": 1');
    const floatsOf = (line: string) => parsedDevice(line).device_config_floats?.map((path) => path.join('.'));
    const expected = floatsOf(configLine);
    expect(expected).toEqual(expect.arrayContaining(['gate_time', 'limits.low', 'limits.high', 'points.0']));
    expect(floatsOf(withValue(configLine, '3.5'))).toEqual(expected);
    expect(floatsOf(withValue(configLine, '4'))).toEqual(expected);
    expect(floatsOf(withValue(integers, '5'))).toEqual(expected?.filter((path) => path !== 'gate_time'));
    // The same config written with other spacing is other text: scanned, with the same answer.
    expect(floatsOf(withValue(configLine.replace('"gate_time": 1.0', '"gate_time":1.0'), '6'))).toEqual(expected);
    // A line whose `device_config` comes twice: the last one counts, as in JSON.parse.
    const twice = withValue(configLine, '7').replace('"measurements"', '"device_config": {"a": 2}, "measurements"');
    expect(floatsOf(twice)).toBeUndefined();
  });

  it("Python's tomllib reads floats as float and integers as int", async () => {
    const device = parsedDevice(configLine);
    const toml = await renderOutputToString({
      devices: [{ name: 'spcs', config: device.device_config, configFloats: device.device_config_floats!, channels: [] }],
    });
    const script = [
      'import sys, tomllib, json',
      'd = tomllib.loads(sys.stdin.read())["device"]["spcs"]',
      'print(json.dumps({k: type(v).__name__ for k, v in d.items() if k in ("gate_time", "averages", "initial_wavelength")}))',
    ].join('\n');
    const types = JSON.parse(execFileSync('python3', ['-c', script], { input: toml, encoding: 'utf8' })) as Record<string, string>;
    expect(types).toEqual({ gate_time: 'float', averages: 'int', initial_wavelength: 'float' });
  });
});

describe('withMetaJson (--meta-json) and the float paths', () => {
  const info: SessionInfo = {
    name: 'n',
    email: 'e',
    session_name: 's',
    session_description: 'd',
    meta: { temperature: 4, sample: { mass: 2 }, runs: 3 },
    meta_floats: [['temperature'], ['sample', 'mass']],
  };

  it('a key --meta-json replaces loses its float paths; the others and --meta-json’s own are kept', () => {
    const merged = withMetaJson(info, { sample: 'S1', dose: 5 }, [['dose']]);
    expect(merged.meta).toEqual({ temperature: 4, sample: 'S1', runs: 3, dose: 5 });
    expect(merged.meta_floats).toEqual([['temperature'], ['dose']]);
  });

  it('no float paths left: no meta_floats key', () => {
    const merged = withMetaJson(info, { temperature: 5, sample: null });
    expect('meta_floats' in merged).toBe(false);
  });

  it('rendered: temperature stays a float after a merge that does not touch it', async () => {
    const merged = withMetaJson(info, { runs: 4 });
    const toml = await renderOutputToString({ devices: [], session: { ...SESSION, info: merged } });
    expect(section(toml, '[session.info.meta]')).toEqual(['runs = 4', 'temperature = 4.0']);
    expect(section(toml, '[session.info.meta.sample]')).toEqual(['mass = 2.0']);
  });
});
