/**
 * `rex run --config JSON` (SPEC §7): the JSON becomes a TOML file that the official Python client
 * (rex_utils `load_config`) deep-merges over the script's own config file, key by key, when
 * `REX_PROVIDED_OVERWRITE_PATH` names it. So the TOML has the script config's shape:
 * `[session.info]` with the session fields and one `[device.<name>]` table per device.
 * Pure: writing the file and exporting the variable are the caller's job. Loaded only with a JSON
 * `--config` (src/cli/config-file.ts), as zod is.
 */
import { stringify as stringifyToml } from 'smol-toml';
import * as z from 'zod/mini';
import { describeValue } from './config.js';
import { ProvidedConfigError } from './provided-config-argument.js';

const SESSION_FIELDS = ['name', 'email', 'session_name', 'session_description'] as const;
const ACCEPTED_KEYS: readonly string[] = [...SESSION_FIELDS, 'devices'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonTable = { [key: string]: Json };

function isJsonTable(value: unknown): value is JsonTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const got = (expected: string) => (issue: { input?: unknown }) => `${expected}, got ${describeJson(issue.input)}`;
const jsonTable = (expected: string) => z.custom<JsonTable>(isJsonTable, { error: got(expected) });

// null counts as "not given": a Python orchestrator writes None for fields it leaves alone.
const sessionField = z.nullish(z.string({ error: got('expected a string') }));
const providedSchema = z.object({
  name: sessionField,
  email: sessionField,
  session_name: sessionField,
  session_description: sessionField,
  devices: z.nullish(
    z.record(z.string(), jsonTable('expected an object of device settings'), {
      error: got('expected an object mapping device names to their settings'),
    }),
  ),
});

/**
 * Converts `--config` JSON to the TOML override file's text. Only the fields given are written,
 * so the script's own values survive the deep merge for the rest. Throws ProvidedConfigError
 * saying what is wrong (the original ignored a bad argument silently). Unknown top-level keys are
 * not an error (the original ignored them too): they are returned as warnings.
 */
export function convertProvidedConfigJson(jsonText: string): { toml: string; warnings: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonText);
  } catch (error) {
    throw new ProvidedConfigError(`--config: invalid JSON: ${(error as Error).message}`);
  }
  if (!isJsonTable(parsed)) {
    throw new ProvidedConfigError(`--config: expected a JSON object with keys ${ACCEPTED_KEYS.join(', ')}, got ${describeJson(parsed)}`);
  }
  const result = providedSchema.safeParse(parsed);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `--config: ${jsonPath(issue.path)}: ${issue.message}`);
    throw new ProvidedConfigError(lines.join('\n'));
  }
  const warnings = Object.keys(parsed)
    .filter((key) => !ACCEPTED_KEYS.includes(key))
    .map((key) => `--config: unknown key ${JSON.stringify(key)} ignored (accepted: ${ACCEPTED_KEYS.join(', ')})`);

  const info: Record<string, string> = {};
  for (const field of SESSION_FIELDS) {
    const value = result.data[field];
    if (typeof value === 'string') info[field] = value;
  }
  // Device names come from the validated input itself, in a null-prototype map, so that any
  // name (even `__proto__`) stays an ordinary key.
  const devices: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const givenDevices = parsed.devices;
  for (const [deviceName, settings] of Object.entries(isJsonTable(givenDevices) ? givenDevices : {})) {
    devices[deviceName] = toTomlValue(settings, ['devices', deviceName], warnings);
  }

  const document: Record<string, unknown> = {};
  if (Object.keys(info).length > 0) document.session = { info };
  if (Object.keys(devices).length > 0) document.device = devices;
  // numbersAsFloat: plain numbers are written as floats; integers were turned into bigints.
  return { toml: stringifyToml(document, { numbersAsFloat: true }), warnings };
}

/** convertProvidedConfigJson without the warnings. */
export function providedConfigFromJson(jsonText: string): string {
  return convertProvidedConfigJson(jsonText).toml;
}

/**
 * Prepares a JSON value for smol-toml. TOML has no null, so a null is an error. Integers become
 * bigints (written `1`) and other numbers stay numbers (written as floats), except that an array
 * mixing integers and fractions is written all-float (`[1.0, 2.5]`): the official client's TOML
 * reader (Python `toml` 0.10) accepts only arrays of one type.
 */
function toTomlValue(value: Json, path: (string | number)[], warnings: string[]): unknown {
  if (value === null) {
    throw new ProvidedConfigError(`--config: ${jsonPath(path)}: null cannot be written to TOML; leave the key out instead`);
  }
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const kinds = new Set(value.map(jsonKind));
    if (kinds.size > 1) {
      warnings.push(
        `--config: ${jsonPath(path)}: an array mixing ${[...kinds].join(' and ')}; the official Python client's TOML reader rejects it`,
      );
    }
    const allFloat = value.some((item) => typeof item === 'number' && !Number.isSafeInteger(item));
    return value.map((item, index) => (allFloat && typeof item === 'number' ? item : toTomlValue(item, [...path, index], warnings)));
  }
  if (isJsonTable(value)) {
    const table: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) table[key] = toTomlValue(item, [...path, key], warnings);
    return table;
  }
  return value;
}

function jsonKind(value: Json): string {
  if (Array.isArray(value)) return 'arrays';
  if (value === null || isJsonTable(value)) return 'tables'; // null is reported on its own
  return `${typeof value}s`;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (isJsonTable(value)) return 'an object';
  return describeValue(value);
}

function jsonPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}
