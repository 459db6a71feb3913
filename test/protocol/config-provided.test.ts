import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { convertProvidedConfigJson, providedConfigFromJson } from '../../src/protocol/provided-config.js';
import { isJsonArgument, ProvidedConfigError } from '../../src/protocol/provided-config-argument.js';

/** rex_utils `deep_merge_config`, transcribed: tables merge key by key, anything else replaces. */
function deepMerge(base: Record<string, unknown>, overwrite: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overwrite)) {
    const current = result[key];
    const bothTables = [current, value].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    result[key] = bothTables ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return result;
}

function errorMessageOf(json: string): string {
  try {
    providedConfigFromJson(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ProvidedConfigError);
    expect((error as ProvidedConfigError).code).toBe('REX_PROVIDED_CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected a ProvidedConfigError');
}

describe('isJsonArgument', () => {
  it('tells JSON (an object) from a path', () => {
    expect(isJsonArgument('{"name": "Jane"}')).toBe(true);
    expect(isJsonArgument('  \n{"name": "Jane"}')).toBe(true);
    expect(isJsonArgument('config.toml')).toBe(false);
    expect(isJsonArgument('/home/u/exp/config.toml')).toBe(false);
    expect(isJsonArgument('C:\\exp\\config.toml')).toBe(false);
    expect(isJsonArgument('')).toBe(false);
  });
});

describe('providedConfigFromJson', () => {
  const json = JSON.stringify({
    name: 'Jane',
    email: 'j@lab.org',
    session_name: 'Run 7',
    session_description: 'cool-down',
    devices: {
      test_daq: { gate_time: 500, trace: false, label: 'A "quoted" name', offsets: [0.5, -1.25], nested: { a: 1 } },
      'scope 2': { averages: 10 },
    },
  });

  it('produces [session.info] and [device.<name>] tables that read back as given', () => {
    expect(parseToml(providedConfigFromJson(json))).toEqual({
      session: { info: { name: 'Jane', email: 'j@lab.org', session_name: 'Run 7', session_description: 'cool-down' } },
      device: {
        test_daq: { gate_time: 500, trace: false, label: 'A "quoted" name', offsets: [0.5, -1.25], nested: { a: 1 } },
        'scope 2': { averages: 10 },
      },
    });
  });

  it("deep-merges over the official client's example config as rex_utils does", () => {
    const base = parseToml(readFileSync(new URL('../fixtures/reference/rex_utils_session_config.toml', import.meta.url), 'utf8'));
    const merged = deepMerge(base, parseToml(providedConfigFromJson(json)));
    expect(merged).toEqual({
      session: {
        info: {
          name: 'Jane',
          email: 'j@lab.org',
          session_name: 'Run 7',
          session_description: 'cool-down',
          // not in the override, so the script's own meta survives
          meta: { addtional_important_info: 'This really is a test' },
        },
      },
      device: {
        test_daq: { gate_time: 500, averages: 100, trace: false, label: 'A "quoted" name', offsets: [0.5, -1.25], nested: { a: 1 } },
        test_daq2: { gate_time: 1000, averages: 100, trace: true },
        'scope 2': { averages: 10 },
      },
    });
  });

  it('writes only the fields given, so the rest keeps the script config values', () => {
    expect(parseToml(providedConfigFromJson('{"session_name": "Run 8"}'))).toEqual({
      session: { info: { session_name: 'Run 8' } },
    });
    expect(parseToml(providedConfigFromJson('{"devices": {"d": {"x": 1}}, "name": null}'))).toEqual({
      device: { d: { x: 1 } },
    });
    expect(parseToml(providedConfigFromJson('{}'))).toEqual({});
  });

  it('keeps any device name an ordinary key', () => {
    expect(parseToml(providedConfigFromJson('{"devices": {"__proto__": {"x": 1}, "a.b": {"y": 2}}}')).device).toEqual(
      JSON.parse('{"__proto__": {"x": 1}, "a.b": {"y": 2}}'),
    );
  });

  it('writes an array mixing integers and fractions all-float, which Python toml 0.10 can read', () => {
    const toml = providedConfigFromJson('{"devices": {"d": {"gains": [1, 2.5], "steps": [1, 2], "gate": 3}}}');
    expect(toml).toContain('gains = [ 1.0, 2.5 ]');
    expect(toml).toContain('steps = [ 1, 2 ]');
    expect(toml).toContain('gate = 3\n');
    expect(parseToml(toml)).toEqual({ device: { d: { gains: [1, 2.5], steps: [1, 2], gate: 3 } } });
  });

  it('warns about an array of mixed kinds, which the official client cannot read', () => {
    const { toml, warnings } = convertProvidedConfigJson('{"devices": {"d": {"labels": ["a", 1]}}}');
    expect(parseToml(toml)).toEqual({ device: { d: { labels: ['a', 1] } } });
    expect(warnings).toEqual([
      "--config: devices.d.labels: an array mixing strings and numbers; the official Python client's TOML reader rejects it",
    ]);
  });

  it('warns about unknown keys instead of failing (the original ignored them)', () => {
    const { toml, warnings } = convertProvidedConfigJson('{"name": "Jane", "meta": {"a": 1}}');
    expect(parseToml(toml)).toEqual({ session: { info: { name: 'Jane' } } });
    expect(warnings).toEqual(['--config: unknown key "meta" ignored (accepted: name, email, session_name, session_description, devices)']);
  });
});

describe('providedConfigFromJson errors say what is wrong', () => {
  it('invalid JSON', () => {
    expect(errorMessageOf('{"name": "Jane",}')).toMatch(/^--config: invalid JSON: .+/);
    expect(errorMessageOf("{name: 'Jane'}")).toMatch(/^--config: invalid JSON: .+/);
  });

  it('JSON that is not an object', () => {
    expect(errorMessageOf('["Jane"]')).toBe(
      '--config: expected a JSON object with keys name, email, session_name, session_description, devices, got an array',
    );
  });

  it('wrong types, with their path', () => {
    expect(errorMessageOf('{"name": 42}')).toBe('--config: name: expected a string, got 42');
    expect(errorMessageOf('{"devices": ["scope"]}')).toBe(
      '--config: devices: expected an object mapping device names to their settings, got an array',
    );
    expect(errorMessageOf('{"devices": {"scope": 3}}')).toBe('--config: devices.scope: expected an object of device settings, got 3');
  });

  it('null inside device settings (TOML has no null)', () => {
    expect(errorMessageOf('{"devices": {"scope": {"offset": null}}}')).toBe(
      '--config: devices.scope.offset: null cannot be written to TOML; leave the key out instead',
    );
    expect(errorMessageOf('{"devices": {"scope": {"gains": [1, null]}}}')).toBe(
      '--config: devices.scope.gains[1]: null cannot be written to TOML; leave the key out instead',
    );
  });
});
