// Dispatch, commands, precedence, Session / Listener / Result shapes and their aliases (SPEC §2).
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/protocol/parse.js';
import { COMMANDS, type ParsedLine } from '../../src/protocol/messages.js';

const info = {
  name: 'Jane',
  email: 'j@lab.org',
  session_name: 'Run 7',
  session_description: 'cool-down',
};
const listener = { name: 'Session Listener', id: '43534q5awtdzfg2353qa354' };
const result = { result_name: 'fit', result_description: 'gaussian fit', result_status: true };
const device = { device_name: 'scope', device_config: {}, measurements: {} };

const line = (value: unknown): string => JSON.stringify(value);

function expectInvalid(parsed: ParsedLine, reasonPattern: RegExp): void {
  expect(parsed.kind).toBe('invalid');
  if (parsed.kind === 'invalid') expect(parsed.reason).toMatch(reasonPattern);
}

function expectKind<K extends ParsedLine['kind']>(parsed: ParsedLine, kind: K): Extract<ParsedLine, { kind: K }> {
  if (parsed.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(parsed)}`);
  return parsed as Extract<ParsedLine, { kind: K }>;
}

describe('commands', () => {
  it.each(COMMANDS)('%s is a command', (command) => {
    expect(parseLine(command)).toEqual({ kind: 'command', command });
  });

  it.each(['kill', 'Kill', 'state', 'pause_state', 'GET_DATASTREAM2', 'KILL now', '"KILL"'])('%j is not a command', (text) => {
    expect(parseLine(text).kind).toBe('invalid');
  });

  it("GET_DATASTREAM_FULL with a JSON argument is rex-daq's ranged query; a wrong argument is invalid, saying what is wrong", () => {
    const range = { device: 'scope', channel: 'trace', from: 10, to: 20 };
    expect(parseLine(`GET_DATASTREAM_FULL ${line(range)}`)).toEqual({ kind: 'command', command: 'GET_DATASTREAM_FULL', range });
    expect(parseLine('GET_DATASTREAM_FULL {"device":"s","channel":"c"}')).toEqual({
      kind: 'command',
      command: 'GET_DATASTREAM_FULL',
      range: { device: 's', channel: 'c' },
    });
    for (const [argument, reason] of [
      ['nope', /expected a JSON object/],
      ['{"channel":"c"}', /"device" must be a device name/],
      ['{"device":"s","channel":""}', /"channel" must be a channel name/],
      ['{"device":"s","channel":"c","from":-1}', /"from" must be a whole number/],
      ['{"device":"s","channel":"c","to":2.5}', /"to" must be a whole number/],
      ['{"device":"s","channel":"c","from":5,"to":5}', /"to" must be greater than "from"/],
      [`{"device":"${'d'.repeat(5000)}","channel":"c"}`, /longer than 4096 characters/],
    ] as const) {
      expectInvalid(parseLine(`GET_DATASTREAM_FULL ${argument}`), reason);
    }
    expect(parseLine(`GET_DATASTREAM ${line(range)}`).kind).toBe('invalid');
  });

  it('points out a case mismatch', () => {
    expectInvalid(parseLine('kill'), /case-sensitive.*KILL/);
  });

  it('rejects garbage and non-object JSON with a reason', () => {
    expectInvalid(parseLine('hello'), /expected a command .* or a JSON object/);
    expectInvalid(parseLine('[1, 2]'), /JSON object/);
    expectInvalid(parseLine('42'), /JSON object/);
    expectInvalid(parseLine('{"device_name": "x",'), /not valid JSON/);
    expectInvalid(parseLine('{} trailing'), /not valid JSON/);
  });

  it('rejects an object that is no known message, naming what is missing', () => {
    expectInvalid(parseLine('{}'), /not a known message/);
    expectInvalid(parseLine(line({ foo: 1 })), /not a known message/);
    expectInvalid(parseLine(line({ device_name: 'x', measurements: {} })), /Device message missing device_config/);
    expectInvalid(parseLine(line({ name: 'x' })), /Listener message missing id/);
    expectInvalid(parseLine(line({ result_name: 'x', result_status: true })), /Result message missing result_description/);
  });
});

describe('precedence: Device, then Session, then Listener, then Result', () => {
  it('a line valid as Device and Listener is a Device', () => {
    expect(parseLine(line({ ...device, ...listener })).kind).toBe('device');
  });

  it('a line valid as Session and Listener is a Session', () => {
    expect(parseLine(line({ info, ...listener })).kind).toBe('session');
  });

  it('a line valid as Listener and Result is a Listener', () => {
    expect(parseLine(line({ ...result, ...listener })).kind).toBe('listener');
  });

  it('a line valid as Device and Result is a Device', () => {
    expect(parseLine(line({ ...device, ...result })).kind).toBe('device');
  });

  it('an invalid Device falls through to a valid Listener, as in the original', () => {
    expect(parseLine(line({ ...device, device_name: 5, ...listener })).kind).toBe('listener');
  });

  it('when every candidate fails, the reason is the first candidate’s', () => {
    expectInvalid(parseLine(line({ ...device, device_name: 5, name: 'x', id: 7 })), /^device_name:/);
  });
});

describe('Session', () => {
  it('parses the documented shape with meta', () => {
    const parsed = expectKind(parseLine(line({ info: { ...info, meta: { sample: 'S1', nested: { a: [1, 2] } } } })), 'session');
    expect(parsed.message).toEqual({ info: { ...info, meta: { sample: 'S1', nested: { a: [1, 2] } } } });
  });

  it('meta is optional, and null meta counts as absent', () => {
    expect(expectKind(parseLine(line({ info })), 'session').message.info).not.toHaveProperty('meta');
    expect(expectKind(parseLine(line({ info: { ...info, meta: null } })), 'session').message.info).not.toHaveProperty('meta');
  });

  it('keeps nulls inside meta (Python None)', () => {
    const parsed = expectKind(parseLine(line({ info: { ...info, meta: { sample: null, list: [1, null] } } })), 'session');
    expect(parsed.message.info.meta).toEqual({ sample: null, list: [1, null] });
  });

  it.each([
    ['experiment_name', 'session_name'],
    ['test_name', 'session_name'],
    ['run_name', 'session_name'],
    ['experiment_description', 'session_description'],
    ['test_description', 'session_description'],
    ['run_description', 'session_description'],
  ])('alias %s fills %s', (alias, field) => {
    const aliased: Record<string, unknown> = { ...info };
    delete aliased[field];
    aliased[alias] = 'via alias';
    const parsed = expectKind(parseLine(line({ info: aliased })), 'session');
    expect(parsed.message.info[field as 'session_name' | 'session_description']).toBe('via alias');
  });

  it.each([
    ['session_name', 'experiment_name'],
    ['session_name', 'test_name'],
    ['session_name', 'run_name'],
    ['experiment_name', 'run_name'],
    ['session_description', 'experiment_description'],
    ['session_description', 'test_description'],
    ['session_description', 'run_description'],
    ['test_description', 'run_description'],
  ])('%s given together with %s is invalid', (first, second) => {
    const { session_name, session_description, ...rest } = info;
    const both: Record<string, unknown> = { ...rest, session_name, session_description };
    both[first] = 'one';
    both[second] = 'two';
    expectInvalid(parseLine(line({ info: both })), new RegExp(`given more than once \\(as .*${second}`));
  });

  it.each(['name', 'email', 'session_name', 'session_description'])('missing info.%s is invalid', (field) => {
    const partial: Record<string, unknown> = { ...info };
    delete partial[field];
    expectInvalid(parseLine(line({ info: partial })), new RegExp(`^info\\.${field}: required field missing`));
  });

  it('non-string info fields, non-object info or meta are invalid', () => {
    expectInvalid(parseLine(line({ info: { ...info, email: 3 } })), /^info\.email: expected a string, got number/);
    expectInvalid(parseLine(line({ info: 'Jane' })), /^info: expected an object, got string/);
    expectInvalid(parseLine(line({ info: { ...info, meta: [1] } })), /^info\.meta: expected an object, got array/);
  });

  it('accepts and ignores start_time, end_time and uuid', () => {
    const parsed = parseLine(
      line({ info, start_time: '2026-01-16T06:35:32Z', end_time: null, uuid: '230a9337-0f16-4677-b03d-1d4b360ade4f' }),
    );
    expect(expectKind(parsed, 'session').message).toEqual({ info });
  });

  it.each([
    '230a93370f164677b03d1d4b360ade4f',
    'urn:uuid:230a9337-0f16-4677-b03d-1d4b360ade4f',
    '{230a9337-0f16-4677-b03d-1d4b360ade4f}',
    '230A9337-0F16-4677-B03D-1D4B360ADE4F',
  ])('accepts the uuid form %s (as serde’s Uuid does)', (uuid) => {
    expect(parseLine(line({ info, uuid })).kind).toBe('session');
  });

  it.each(['not-a-uuid', '230a9337-0f16-4677-b03d-1d4b360ade4', '230a9337-0f16-4677b03d-1d4b360ade4f', 42])(
    'a malformed uuid %j makes the line invalid',
    (uuid) => {
      expectInvalid(parseLine(line({ info, uuid })), /^uuid: /);
    },
  );

  it('start_time must be a string when given', () => {
    expectInvalid(parseLine(line({ info, start_time: 5 })), /^start_time: expected a string or null, got number/);
  });
});

describe('Listener', () => {
  it('parses the official client’s listener line', () => {
    expect(parseLine(line(listener))).toEqual({ kind: 'listener', message: listener });
  });

  it.each([42, null, true, ['x']])('a non-string id %j is invalid', (id) => {
    expectInvalid(parseLine(line({ name: 'Session Listener', id })), /^id: expected a string/);
  });

  it('a non-string name is invalid', () => {
    expectInvalid(parseLine(line({ name: 1, id: 'x' })), /^name: expected a string, got number/);
  });
});

describe('Result', () => {
  it('parses the documented shape with aliases lower_bound / upper_bound', () => {
    const parsed = parseLine(line({ ...result, lower_bound: 0, upper_bound: 10, result_value: 5.5, result_meta: { figure: 'fit.png' } }));
    expect(expectKind(parsed, 'result').message).toEqual({
      ...result,
      result_lower_bound: 0,
      result_upper_bound: 10,
      result_value: 5.5,
      result_meta: { figure: 'fit.png' },
    });
  });

  it.each([
    ['ub', 'result_upper_bound'],
    ['upper_bound', 'result_upper_bound'],
    ['lb', 'result_lower_bound'],
    ['lower_bound', 'result_lower_bound'],
    ['result_upper_bound', 'result_upper_bound'],
  ])('%s fills %s', (key, field) => {
    const parsed = expectKind(parseLine(line({ ...result, [key]: 3 })), 'result');
    expect(parsed.message[field as 'result_upper_bound']).toBe(3);
  });

  it.each([
    ['result_upper_bound', 'upper_bound'],
    ['result_upper_bound', 'ub'],
    ['upper_bound', 'ub'],
    ['result_lower_bound', 'lower_bound'],
    ['result_lower_bound', 'lb'],
    ['lower_bound', 'lb'],
  ])('%s given together with %s is invalid', (first, second) => {
    expectInvalid(parseLine(line({ ...result, [first]: 1, [second]: 2 })), /given more than once/);
  });

  it('bounds, value and meta are optional; null bounds count as absent (Python None)', () => {
    expect(expectKind(parseLine(line(result)), 'result').message).toEqual(result);
    const nulls = { ...result, lower_bound: null, upper_bound: null, result_value: null, result_meta: null };
    expect(expectKind(parseLine(line(nulls)), 'result').message).toEqual(result);
  });

  it('keeps nulls inside result_meta', () => {
    const parsed = expectKind(parseLine(line({ ...result, result_meta: { figure: null } })), 'result');
    expect(parsed.message.result_meta).toEqual({ figure: null });
  });

  it('accepts NaN and ±Infinity for the value and bounds', () => {
    const parsed = expectKind(
      parseLine(
        '{"result_name": "fit", "result_description": "d", "result_status": false, "result_value": NaN, "lb": -Infinity, "ub": Infinity}',
      ),
      'result',
    );
    expect(parsed.message.result_value).toBeNaN();
    expect(parsed.message.result_lower_bound).toBe(-Infinity);
    expect(parsed.message.result_upper_bound).toBe(Infinity);
  });

  it('rejects wrong types with a reason naming the field', () => {
    expectInvalid(parseLine(line({ ...result, result_status: 'yes' })), /^result_status: expected true or false, got string/);
    expectInvalid(parseLine(line({ ...result, ub: '10' })), /^result_upper_bound: expected a number or null, got string/);
    expectInvalid(parseLine(line({ ...result, result_meta: 'x' })), /^result_meta: expected an object, got string/);
  });
});

describe('unknown fields are ignored everywhere', () => {
  it('in Session, info, Listener, Result and Device', () => {
    expect(expectKind(parseLine(line({ info: { ...info, extra: 1 }, other: true })), 'session').message).toEqual({ info });
    expect(expectKind(parseLine(line({ ...listener, extra: [1] })), 'listener').message).toEqual(listener);
    expect(expectKind(parseLine(line({ ...result, extra: {} })), 'result').message).toEqual(result);
    const parsed = expectKind(
      parseLine(line({ ...device, extra: 1, measurements: { a: { data: [1], unit: 'V', colour: 'red' } } })),
      'device',
    );
    expect(parsed.message.channels).toHaveLength(1);
  });
});

describe('unpaired surrogate escapes', () => {
  it('are invalid anywhere in a message, as the original refused them', () => {
    const device = (name: string) => `{"device_name": "${name}", "device_config": {}, "measurements": {"c": {"data": [1], "unit": "V"}}}`;
    expect(parseLine(device('x\\ud800')).kind).toBe('invalid');
    expect(parseLine(device('x\\udc00y')).kind).toBe('invalid');
    expect(
      parseLine('{"info": {"name": "a", "email": "b", "session_name": "c", "session_description": "d", "meta": {"k\\ud801": 1}}}').kind,
    ).toBe('invalid');
  });

  it('a proper pair is fine', () => {
    const parsed = parseLine('{"device_name": "\\ud83d\\ude00", "device_config": {}, "measurements": {}}');
    expect(parsed.kind).toBe('device');
    if (parsed.kind === 'device') expect(parsed.message.device_name).toBe('😀');
  });
});
