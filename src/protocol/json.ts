/**
 * JSON text → JS values, plus Python's non-standard number tokens (SPEC §2 DEVIATION).
 *
 * Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` by default; `JSON.parse` rejects
 * them. The fast path is a bare `JSON.parse`. Only when that throws and the line contains such a
 * token are the tokens rewritten *outside of strings* and the text parsed again:
 * `Infinity` → `1e999` (parses to Infinity), `NaN` → a marker object whose key carries a
 * per-process random nonce. An object cannot be a JSON key, so `{NaN: 1}` still fails to parse,
 * and a client cannot forge the marker. Whoever reads a value where a number may stand maps the
 * marker back to NaN (`isNanMarker`); everywhere else it is simply "not a string/bool/…".
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from './messages.js';
import { MAX_KEY_CHARS_IN_REASON, MAX_NESTING_DEPTH } from './limits.js';

const NAN_MARKER_KEY = `__rex_nan_${randomUUID().replaceAll('-', '')}`;
const NAN_MARKER_TEXT = `{${JSON.stringify(NAN_MARKER_KEY)}:0}`;
const NON_FINITE_TOKEN = /-?Infinity|NaN/g;
const MAY_HOLD_NON_FINITE = /NaN|Infinity/;

/** `nanMarkers`: the rewrite was used, so NaN markers may stand where numbers may. */
export type JsonParseResult =
  | { ok: true; value: unknown; nanMarkers: boolean }
  | { ok: false; reason: string };

/** True for the stand-in of a `NaN` token produced by the rewrite (never for client data). */
export function isNanMarker(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, NAN_MARKER_KEY);
}

export function parseJsonText(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text), nanMarkers: false };
  } catch (error) {
    const reason = `not valid JSON (${(error as Error).message})`;
    if (!MAY_HOLD_NON_FINITE.test(text)) return { ok: false, reason };
    const rewritten = rewriteNonFiniteTokens(text);
    if (rewritten === null) return { ok: false, reason };
    try {
      return { ok: true, value: JSON.parse(rewritten), nanMarkers: true };
    } catch {
      // Report the error against the client's own text, not our rewrite of it.
      return { ok: false, reason };
    }
  }
}

/**
 * Replaces NaN/Infinity/-Infinity tokens outside of string literals; null when there were none.
 * Strings are skipped with indexOf (native speed), so a long base64 payload costs one scan.
 */
export function rewriteNonFiniteTokens(text: string): string | null {
  const parts: string[] = [];
  let replaced = false;
  const rewriteCode = (code: string): string =>
    code.replace(NON_FINITE_TOKEN, (token) => {
      replaced = true;
      if (token === 'NaN') return NAN_MARKER_TEXT;
      return token === 'Infinity' ? '1e999' : '-1e999';
    });

  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('"', pos);
    if (open === -1) break;
    parts.push(rewriteCode(text.slice(pos, open)));
    const close = findClosingQuote(text, open + 1);
    if (close === -1) {
      // Unterminated string: JSON.parse will fail on it anyway; keep the text as it is.
      pos = open;
      break;
    }
    parts.push(text.slice(open, close + 1));
    pos = close + 1;
  }
  if (pos < text.length) {
    const tail = text.slice(pos);
    parts.push(tail.startsWith('"') ? tail : rewriteCode(tail));
  }
  return replaced ? parts.join('') : null;
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

export type JsonObjectResult = { ok: true; value: JsonObject } | { ok: false; reason: string };

/**
 * Checks that `value` is a JSON object nested at most MAX_NESTING_DEPTH deep (the object itself
 * is level 1) and turns NaN markers into NaN, in place. Nulls are allowed anywhere inside
 * (SPEC §2 DEVIATION). `path` names the field in the reason.
 */
export function validateJsonObject(value: unknown, path: string): JsonObjectResult {
  if (!isPlainObject(value)) {
    return { ok: false, reason: `${path}: expected an object, got ${describeJson(value)}` };
  }
  const trail: (string | number)[] = [];
  const tooDeep = walkContainer(value, 1, trail);
  if (tooDeep) {
    return {
      ok: false,
      reason: `${fieldPath(path, trail)}: nested deeper than ${MAX_NESTING_DEPTH} levels`,
    };
  }
  return { ok: true, value: value as JsonObject };
}

/** Returns true when nesting is too deep; `trail` then holds the path to the offending value. */
function walkContainer(container: object, depth: number, trail: (string | number)[]): boolean {
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const child: unknown = container[i];
      if (child === null || typeof child !== 'object') continue;
      if (isNanMarker(child)) {
        container[i] = NaN;
        continue;
      }
      trail.push(i);
      if (depth + 1 > MAX_NESTING_DEPTH || walkContainer(child, depth + 1, trail)) return true;
      trail.pop();
    }
    return false;
  }
  const record = container as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (child === null || typeof child !== 'object') continue;
    if (isNanMarker(child)) {
      record[key] = NaN;
      continue;
    }
    trail.push(key);
    if (depth + 1 > MAX_NESTING_DEPTH || walkContainer(child, depth + 1, trail)) return true;
    trail.pop();
  }
  return false;
}

/** A JSON object (not an array, not null, not a NaN marker). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  return !Array.isArray(value) && !isNanMarker(value);
}

/** The JSON type of a value, for reasons: "string", "array", "NaN", "nothing" (absent), … */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (isNanMarker(value)) return 'NaN';
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
