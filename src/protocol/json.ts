/**
 * JSON text → JS values, plus Python's non-standard number tokens (SPEC §2 DEVIATION).
 *
 * Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` by default; `JSON.parse` rejects
 * them. The fast path is a bare `JSON.parse`. Only when that throws and the line contains such a
 * token are the tokens rewritten *outside of strings* and the text parsed again:
 * `Infinity` → `1e999` (parses to Infinity) and `NaN` → NAN_STAND_IN, a number drawn at random
 * per process, which whoever reads a number maps back to NaN (`isNanStandIn`). A number keeps
 * numeric arrays as packed doubles (fast), cannot be a JSON key (`{NaN: 1}` still fails), and
 * cannot be forged by a client that does not know it. Each replacement is padded with spaces so
 * it cannot fuse with a neighbouring token (`1Infinity` must not become `11e999`); `-NaN` is left
 * alone and fails, as in Python.
 */
import type { JsonObject } from './messages.js';
import { MAX_KEY_CHARS_IN_REASON, MAX_NESTING_DEPTH } from './limits.js';
import { randomUint64 } from './random.js';

/** A random double in [2^1000, 2^1001): 52 random mantissa bits. */
const NAN_STAND_IN = (1 + Number(randomUint64() >> 12n) / 2 ** 52) * 2 ** 1000;
const NAN_STAND_IN_TEXT = ` ${String(NAN_STAND_IN)} `;
const MAY_HOLD_NON_FINITE = /NaN|Infinity/;

/** `nanStandIns`: the rewrite was used, so NAN_STAND_IN may stand where numbers may. */
export type JsonParseResult = { ok: true; value: unknown; nanStandIns: boolean } | { ok: false; reason: string };

/** True for the stand-in of a `NaN` token produced by the rewrite (never for client data). */
export function isNanStandIn(value: unknown): boolean {
  return value === NAN_STAND_IN;
}

export function parseJsonText(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text), nanStandIns: false };
  } catch (error) {
    const reason = `not valid JSON (${(error as Error).message})`;
    if (!MAY_HOLD_NON_FINITE.test(text)) return { ok: false, reason };
    const rewritten = rewriteNonFiniteTokens(text);
    if (rewritten === null) return { ok: false, reason };
    try {
      return { ok: true, value: JSON.parse(rewritten), nanStandIns: true };
    } catch {
      // Report the error against the client's own text, not our rewrite of it.
      return { ok: false, reason };
    }
  }
}

/**
 * Replaces NaN/Infinity/-Infinity tokens outside of string literals; null when there were none.
 * Strings are skipped and tokens found with indexOf (native scans; a regex replace with a
 * callback took about as long as JSON.parse itself on a 200 KB line).
 */
export function rewriteNonFiniteTokens(text: string): string | null {
  const parts: string[] = [];
  let replaced = false;
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('"', pos);
    if (open === -1) break;
    replaced = rewriteCode(text.slice(pos, open), parts) || replaced;
    const close = findClosingQuote(text, open + 1);
    if (close === -1) {
      // Unterminated string: JSON.parse will fail on it anyway; keep the text as it is.
      parts.push(text.slice(open));
      pos = text.length;
      break;
    }
    parts.push(text.slice(open, close + 1));
    pos = close + 1;
  }
  if (pos < text.length) replaced = rewriteCode(text.slice(pos), parts) || replaced;
  return replaced ? parts.join('') : null;
}

/** Appends `code` (text outside strings) to `parts` with its tokens replaced; true if any was. */
function rewriteCode(code: string, parts: string[]): boolean {
  let nextNan = code.indexOf('NaN');
  let nextInfinity = code.indexOf('Infinity');
  if (nextNan === -1 && nextInfinity === -1) {
    parts.push(code);
    return false;
  }
  let pos = 0;
  while (nextNan !== -1 || nextInfinity !== -1) {
    const isNan = nextInfinity === -1 || (nextNan !== -1 && nextNan < nextInfinity);
    const at = isNan ? nextNan : nextInfinity;
    const end = at + (isNan ? 3 : 8);
    const negative = at > 0 && code.charCodeAt(at - 1) === 0x2d; /* - */
    if (isNan && negative) {
      parts.push(code.slice(pos, end)); // `-NaN` is not valid even in Python's dialect: let it fail
    } else {
      // Padding keeps a replacement from fusing with its neighbours (`1Infinity` ≠ `11e999`).
      const replacement = isNan ? NAN_STAND_IN_TEXT : negative ? ' -1e999 ' : ' 1e999 ';
      parts.push(code.slice(pos, negative ? at - 1 : at), replacement);
    }
    pos = end;
    if (isNan) nextNan = code.indexOf('NaN', pos);
    else nextInfinity = code.indexOf('Infinity', pos);
  }
  parts.push(code.slice(pos));
  return true;
}

/** Index of the `"` ending a string whose body starts at `from`, or -1. */
function findClosingQuote(text: string, from: number): number {
  let search = from;
  for (;;) {
    const quote = text.indexOf('"', search);
    if (quote === -1) return -1;
    let backslashes = 0;
    for (let i = quote - 1; i >= from && text.charCodeAt(i) === 0x5c; i--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    search = quote + 1;
  }
}

/** `wholeNumber`: a number with an integral value occurs somewhere in it (see float-lexemes.ts). */
export type JsonObjectResult = { ok: true; value: JsonObject; wholeNumber: boolean } | { ok: false; reason: string };

/**
 * Checks that `value` is a JSON object nested at most MAX_NESTING_DEPTH deep (the object itself
 * is level 1) and turns NaN stand-ins into NaN, in place. Nulls are allowed anywhere inside
 * (SPEC §2 DEVIATION). `path` names the field in the reason.
 */
export function validateJsonObject(value: unknown, path: string): JsonObjectResult {
  if (!isPlainObject(value)) {
    return { ok: false, reason: `${path}: expected an object, got ${describeJson(value)}` };
  }
  const walk: Walk = { trail: [], wholeNumber: false };
  const tooDeep = walkContainer(value, 1, walk);
  if (tooDeep) {
    return {
      ok: false,
      reason: `${fieldPath(path, walk.trail)}: nested deeper than ${MAX_NESTING_DEPTH} levels`,
    };
  }
  return { ok: true, value: value as JsonObject, wholeNumber: walk.wholeNumber };
}

/**
 * The walk's state: the path to where it is, and whether it met a whole number (noted here, so
 * that a config of 2,000,000 keys is not walked a second time for it).
 */
interface Walk {
  trail: (string | number)[];
  wholeNumber: boolean;
}

/** Returns true when nesting is too deep; `walk.trail` then holds the path to the offending value. */
function walkContainer(container: object, depth: number, walk: Walk): boolean {
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const child: unknown = container[i];
      if (child === NAN_STAND_IN) container[i] = NaN;
      else if (typeof child === 'number') walk.wholeNumber ||= Number.isInteger(child);
      if (child === null || typeof child !== 'object') continue;
      walk.trail.push(i);
      if (depth + 1 > MAX_NESTING_DEPTH || walkContainer(child, depth + 1, walk)) return true;
      walk.trail.pop();
    }
    return false;
  }
  const record = container as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (child === NAN_STAND_IN) record[key] = NaN;
    else if (typeof child === 'number') walk.wholeNumber ||= Number.isInteger(child);
    if (child === null || typeof child !== 'object') continue;
    walk.trail.push(key);
    if (depth + 1 > MAX_NESTING_DEPTH || walkContainer(child, depth + 1, walk)) return true;
    walk.trail.pop();
  }
  return false;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a value, for reasons: "string", "array", "NaN", "nothing" (absent), … */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value === NAN_STAND_IN) return 'NaN';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `base` + `.key`, `["odd key"]` or `[index]` segments, e.g. `measurements["a b"].data[3]`. */
export function fieldPath(base: string, segments: readonly (string | number)[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(shorten(segment))}]`;
  }
  return path;
}

function shorten(key: string): string {
  if (key.length <= MAX_KEY_CHARS_IN_REASON) return key;
  return `${key.slice(0, MAX_KEY_CHARS_IN_REASON)}…`;
}
