/**
 * How TOML names and values become HDF5 link names and attributes (pure; docs/export.md, HDF5).
 * HDF5 forbids `/` in a link name and `.` or '' as a whole name, so names are percent-encoded;
 * tables are flattened into `a.b` attribute names; each value gets an h5py-readable type.
 */
import type { TomlTable, TomlValue } from '../../protocol/run-file/model.js';

/** A group or dataset name for any device, channel or result name: `%` → `%25`, `/` → `%2F`, a lone `.` → `%2E`, '' → `%`. */
export function hdf5Name(name: string): string {
  if (name === '') return '%';
  if (name === '.') return '%2E';
  return name.replaceAll('%', '%25').replaceAll('/', '%2F');
}

/** An attribute as h5wasm's `create_attribute(name, data, shape, dtype)` takes it. */
export interface Attr {
  readonly name: string;
  readonly data: string | string[] | number[] | bigint[] | Float64Array | BigInt64Array | Int8Array;
  /** [] for a scalar, [n] for an array. */
  readonly shape: number[];
  /** '<d' float64, '<q' int64, '<b' int8 (booleans: h5wasm 0.10.3 refuses to write an enum, h5py's bool), null: a UTF-8 string. */
  readonly dtype: '<d' | '<q' | '<b' | null;
}

/**
 * A table's keys as attributes: nested tables flattened with `.` (`meta.sample`); keys in
 * `reserved` (the group's own attributes, e.g. `name`) are written as `toml.<key>`.
 */
export function tableAttrs(table: TomlTable, reserved: ReadonlySet<string> = new Set()): Attr[] {
  const attrs: Attr[] = [];
  const used = new Set(reserved);
  const walk = (prefix: string, value: TomlValue): void => {
    if (isTable(value)) {
      for (const [key, inner] of Object.entries(value)) walk(prefix === '' ? key : `${prefix}.${key}`, inner);
      return;
    }
    let name = reserved.has(prefix) ? `toml.${prefix}` : prefix;
    // `a.b` written both as a dotted key and as a nested table: keep both.
    for (let n = 2; used.has(name); n++) name = `${prefix}#${n}`;
    used.add(name);
    attrs.push(valueAttr(name, value));
  };
  for (const [key, value] of Object.entries(table)) walk(key, value);
  return attrs;
}

/** Scalars as themselves; homogeneous arrays as arrays of that type; other arrays as strings. */
export function valueAttr(name: string, value: TomlValue): Attr {
  if (!Array.isArray(value)) {
    if (typeof value === 'string') return { name, data: value, shape: [], dtype: null };
    if (typeof value === 'boolean') return { name, data: [value ? 1 : 0], shape: [], dtype: '<b' };
    if (isInt(value)) return { name, data: [value as bigint], shape: [], dtype: '<q' };
    if (typeof value === 'number') return { name, data: [value], shape: [], dtype: '<d' };
    return { name, data: tomlText(value), shape: [], dtype: null };
  }
  const shape = [value.length];
  if (value.length === 0) return { name, data: new Float64Array(0), shape, dtype: '<d' };
  if (value.every((v) => typeof v === 'string')) return { name, data: value as string[], shape, dtype: null };
  if (value.every((v) => typeof v === 'boolean')) return { name, data: Int8Array.from(value, (v) => (v ? 1 : 0)), shape, dtype: '<b' };
  if (value.every(isInt)) return { name, data: BigInt64Array.from(value as bigint[]), shape, dtype: '<q' };
  if (value.every((v) => typeof v === 'number')) return { name, data: Float64Array.from(value as number[]), shape, dtype: '<d' };
  return { name, data: value.map((v) => (typeof v === 'string' ? v : tomlText(v))), shape, dtype: null };
}

/** A TOML integer (the model reads integers as bigints, floats as numbers: `1000.0` stays a float). */
function isInt(value: TomlValue): boolean {
  return typeof value === 'bigint';
}

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A value as TOML text, for arrays that HDF5 cannot type (mixed, nested, tables). */
function tomlText(value: TomlValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'nan' : Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : '-inf';
  if (Array.isArray(value)) return `[${value.map(tomlText).join(', ')}]`;
  if (value instanceof Date) return value.toISOString();
  if (isTable(value))
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)} = ${tomlText(v)}`)
      .join(', ')} }`;
  return String(value);
}
