/**
 * TOML text for single values and keys (SPEC §5), written for two readers at once: any TOML 1.0
 * parser (Python's `tomllib`, smol-toml) and the `toml` 0.10 package that the official reader
 * (rex_utils `load_rex_data`) uses, which follows TOML 0.5: its arrays must be homogeneous.
 */
import type { JsonObject, JsonPath, JsonValue } from '../messages.js';
import { writeShortestDouble } from './shortest-double.js';

/**
 * A float that reads back bit-identical and is always a TOML float: JS's shortest round-trip
 * decimal (as the original's Rust `ryu` and Python's `repr`), plus `.0` on integral values;
 * `nan`, `inf`, `-inf`, `-0.0`. (NaN payloads are not kept: TOML has a single `nan`.)
 */
export function tomlFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const text = `${x}`;
  // Integral values below 1e21 print without `.` or exponent: make them floats.
  if (x % 1 === 0 && x < 1e21 && x > -1e21) return x === 0 && 1 / x < 0 ? '-0.0' : `${text}.0`;
  return text;
}

/** The longest text {@link tomlFloat} gives: `-1.2345678901234567e-308`. */
const MAX_FLOAT_TEXT = 24;

/**
 * `values` as TOML floats ({@link tomlFloat}) joined by `separator`, as ASCII bytes
 * (`writeShortestDouble`: no string per value). The bytes have an ArrayBuffer of their own, so a
 * formatting thread can move them back.
 */
export function formatFloats(values: Float64Array, separator: string): Uint8Array {
  const separatorBytes = Buffer.from(separator, 'latin1');
  const out = Buffer.from(new ArrayBuffer(values.length * (MAX_FLOAT_TEXT + separatorBytes.length)));
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) for (let j = 0; j < separatorBytes.length; j++) out[pos++] = separatorBytes[j]!;
    const x = values[i]!;
    const end = writeShortestDouble(x, out, pos);
    pos = end >= 0 ? end : pos + out.write(tomlFloat(x), pos, 'latin1');
  }
  return out.subarray(0, pos);
}

/**
 * A number from JSON (config, meta): an integer when it is integral and exactly representable
 * (a safe integer — JSON's `1000` stays `1000`) and was not written as a float (`writtenAsFloat`:
 * the client sent `1.0`, see {@link FloatMarks}), a float otherwise. `-0` is a float.
 */
export function tomlNumber(x: number, writtenAsFloat = false): string {
  if (!writtenAsFloat && isTomlInteger(x)) return `${x}`;
  return tomlFloat(x);
}

function isTomlInteger(x: number): boolean {
  return Number.isSafeInteger(x) && !(x === 0 && 1 / x < 0);
}

/**
 * Where in a JSON value the whole numbers written as floats are (from a message's `…_floats`
 * paths), as a tree walked alongside the value. Array indices are number keys, object keys
 * string keys, so `"0"` and `0` stay apart.
 */
export interface FloatMarks {
  /** The number here was written as a float. */
  float: boolean;
  readonly children: Map<string | number, FloatMarks>;
}

/** The tree of `paths`; `undefined` when there are none. */
export function floatMarks(paths: readonly JsonPath[] | undefined): FloatMarks | undefined {
  if (paths === undefined || paths.length === 0) return undefined;
  const root: FloatMarks = { float: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const segment of path) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { float: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.float = true;
  }
  return root;
}

/** The marks of `parent`'s member or element `key`. */
export function childMarks(parent: FloatMarks | undefined, key: string | number): FloatMarks | undefined {
  return parent?.children.get(key);
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
// Fast path for strings that need no escape: printable ASCII without `"` and `\`.
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\f': '\\f',
  '\r': '\\r',
};

/**
 * A TOML basic string. Escapes `"`, `\` and control characters; other Unicode is written as
 * is (the file is UTF-8). A lone surrogate cannot be written in UTF-8 or TOML: it becomes U+FFFD.
 */
export function tomlString(text: string): string {
  // The same text again (a line's one arrival time and one unit for 100,000 channels): as before.
  if (text === lastText) return lastQuoted;
  lastQuoted = PLAIN_ASCII.test(text) ? `"${text}"` : `"${text.replace(NEEDS_ESCAPE, escapeChar)}"`;
  lastText = text;
  return lastQuoted;
}

let lastText: string | undefined;
let lastQuoted = '';

function escapeChar(ch: string): string {
  const short = SHORT_ESCAPES[ch];
  if (short !== undefined) return short;
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A key in a `key = value` line: bare when it is only `A-Za-z0-9_-`, else a basic string. */
export function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : tomlString(key);
}

const LITERAL_SAFE = /^[^'\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]*$/;

/**
 * A key in a `[table.header]`. Like {@link tomlKey}, but a key holding `"` or `\` is written as
 * a literal string when it can be: `toml` 0.10 does not unescape basic-string keys in headers.
 */
export function tomlHeaderKey(key: string): string {
  if (BARE_KEY.test(key)) return key;
  if ((key.includes('"') || key.includes('\\')) && LITERAL_SAFE.test(key)) return `'${key}'`;
  return tomlString(key);
}

/** The dotted header of a table path, e.g. `device.scope.data."trace (V)"`. */
export function tomlHeader(path: readonly string[]): string {
  return path.map(tomlHeaderKey).join('.');
}

/**
 * Orders keys as the original did (Rust `String` order = UTF-8 bytes = code points). JS's `<`
 * compares UTF-16 units, which differs once characters above U+FFFF meet U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * `keys` sorted by {@link compareKeys}, in place. Without surrogates UTF-16 order is code-point
 * order, and the built-in sort is several times faster than a comparator (2 million keys).
 */
export function sortKeys(keys: string[]): string[] {
  return keys.some((key) => SURROGATE.test(key)) ? keys.sort(compareKeys) : keys.sort();
}

/** `items` sorted by `keyOf` as {@link sortKeys} sorts keys, in place; stable (equal keys keep their order). */
export function sortByKey<T>(items: T[], keyOf: (item: T) => string): T[] {
  if (items.some((item) => SURROGATE.test(keyOf(item)))) return items.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  return items.sort((a, b) => {
    const x = keyOf(a);
    const y = keyOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export type ValueWarning = { code: 'mixed-array'; message: string };

type ValueKind = 'int' | 'float' | 'string' | 'bool' | 'array' | 'table' | 'null';

function kindOf(value: JsonValue, marks: FloatMarks | undefined): ValueKind {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return isTomlInteger(value) && marks?.float !== true ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return Array.isArray(value) ? 'array' : 'table';
  }
}

/**
 * A JSON value as an inline TOML value, or `undefined` for `null` (no TOML form: the key is left
 * out). Objects become inline tables (nulls left out). Arrays are made homogeneous for TOML 0.5
 * readers: integers mixed with floats are all written as floats; any other mix (or a `null`
 * element) is written as an array of strings, each the element's JSON text — nothing is lost,
 * and the official reader can still load the file. `marks`: the numbers in `value` written as
 * floats, which stay floats.
 */
export function tomlInlineValue(value: JsonValue, warn?: (w: ValueWarning) => void, marks?: FloatMarks): string | undefined {
  switch (kindOf(value, marks)) {
    case 'null':
      return undefined;
    case 'int':
      return `${value as number}`;
    case 'float':
      return tomlFloat(value as number);
    case 'string':
      return tomlString(value as string);
    case 'bool':
      return value ? 'true' : 'false';
    case 'array':
      return tomlInlineArray(value as JsonValue[], warn, marks);
    case 'table':
      return tomlInlineTable(value as JsonObject, warn, marks);
  }
}

function tomlInlineArray(items: JsonValue[], warn?: (w: ValueWarning) => void, marks?: FloatMarks): string {
  const kinds = new Set(items.map((v, i) => kindOf(v, childMarks(marks, i))));
  if (kinds.size === 2 && kinds.has('int') && kinds.has('float')) {
    return `[${items.map((v) => tomlFloat(v as number)).join(', ')}]`;
  }
  if (kinds.size > 1 || kinds.has('null')) {
    warn?.({ code: 'mixed-array', message: 'an array of mixed types was written as an array of JSON texts' });
    return `[${items.map((v, i) => tomlString(jsonText(v, childMarks(marks, i)))).join(', ')}]`;
  }
  return `[${items.map((v, i) => tomlInlineValue(v, warn, childMarks(marks, i)) as string).join(', ')}]`;
}

/** `value`'s JSON text, its numbers written as floats keeping a fraction (`1.0`). */
function jsonText(value: JsonValue, marks: FloatMarks | undefined): string {
  if (marks === undefined) return JSON.stringify(value) ?? 'null';
  if (typeof value === 'number') {
    if (!marks.float || !Number.isInteger(value) || Math.abs(value) >= 1e21) return JSON.stringify(value);
    return value === 0 && 1 / value < 0 ? '-0.0' : `${value}.0`;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v, i) => jsonText(v, childMarks(marks, i))).join(',')}]`;
  const members = Object.keys(value).map((k) => `${JSON.stringify(k)}:${jsonText(value[k] as JsonValue, childMarks(marks, k))}`);
  return `{${members.join(',')}}`;
}

function tomlInlineTable(table: JsonObject, warn?: (w: ValueWarning) => void, marks?: FloatMarks): string {
  const parts: string[] = [];
  for (const key of sortKeys(Object.keys(table))) {
    const text = tomlInlineValue(table[key] as JsonValue, warn, childMarks(marks, key));
    if (text !== undefined) parts.push(`${tomlKey(key)} = ${text}`);
  }
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}
