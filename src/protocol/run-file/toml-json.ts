/**
 * A TOML value as JSON text (pure), for the exports' metadata strings. JSON has no NaN, infinity
 * or integers beyond 2^53, which TOML has: NaN and ±infinity become the strings "nan", "inf" and
 * "-inf" (TOML's spelling); integers are written with all their digits (JSON numbers have no
 * size limit; a reader that parses them into doubles rounds them, as it would any other's);
 * TOML date-times are read as their text (run-file/toml-scanner.ts), so they stay strings.
 */
import { tomlFloat } from '../output/toml-values.js';
import type { TomlValue } from './model.js';

export function tomlToJson(value: TomlValue): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    // A float stays one for the reader: `1000.0`, not `1000` (JSON allows both; Python's json tells them apart).
    if (Number.isFinite(value)) return tomlFloat(value);
    return Number.isNaN(value) ? '"nan"' : value > 0 ? '"inf"' : '"-inf"';
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(tomlToJson).join(',')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}:${tomlToJson(v)}`)
    .join(',')}}`;
}
