/**
 * Which whole numbers in a JSON object the client wrote as floats (SPEC §5 "verbatim").
 *
 * `JSON.parse` turns `1.0` and `1` into the same number, but the original (serde_json →
 * toml::Value) kept the difference: `"gate_time": 1.0` became `gate_time = 1.0`, and Python
 * readers get a float. Node 20 has no access to a number's source text, so the raw line is
 * scanned — only when the parsed object holds a whole number at all (cheap to check on the small
 * object), and only as far as the object's own span; the big `data` arrays are never walked.
 *
 * A number counts as written as a float when its text has a `.`, `e` or `E` (`1.0`, `1e3`) or is
 * `-0` (serde_json reads `-0` as the float -0.0). Paths, not positions: JS lists integer-like keys
 * first, so the parsed object's key order is not the text's.
 */
import type { JsonObject, JsonPath, JsonValue } from './messages.js';

/**
 * The paths, inside the object at key path `at` of the JSON object `text` (`[]`: `text` itself),
 * of the numbers that are whole in `parsed` (that object, as parsed from `text`) but were written
 * as floats; `undefined` when there are none. `text` must be JSON that parsed (Python's `NaN`,
 * `Infinity` tokens allowed). A key given twice counts as JSON.parse counts it: the last one wins.
 * `wholeNumber`: whether `parsed` holds a whole number, when the caller already knows.
 */
export function integralFloatPaths(
  text: string,
  at: readonly string[],
  parsed: JsonObject,
  wholeNumber = hasWholeNumber(parsed),
): JsonPath[] | undefined {
  if (!wholeNumber) return undefined;
  const start = locate(text, at);
  if (start === -1) return undefined;
  const floats = new Map<string, JsonPath>();
  collectFloatLexemes(text, start, [], floats);
  let kept: JsonPath[] | undefined;
  for (const path of floats.values()) {
    // A path that a later duplicate key replaced by something else is not whole in `parsed`.
    if (!Number.isInteger(valueAt(parsed, path))) continue;
    kept ??= [];
    kept.push(path);
  }
  return kept;
}

/** True when a number with an integral value occurs anywhere in `value`. */
export function hasWholeNumber(value: JsonValue): boolean {
  if (typeof value === 'number') return Number.isInteger(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasWholeNumber(item)) return true;
    return false;
  }
  for (const key in value) if (hasWholeNumber(value[key] as JsonValue)) return true;
  return false;
}

function valueAt(root: JsonValue, path: JsonPath): JsonValue | undefined {
  let value: JsonValue | undefined = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(value)) return undefined;
      value = value[segment];
    } else {
      if (Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
      value = value[segment];
    }
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The tokenizer. `text` parsed, so it is well-formed; the loops still stop at its end.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;

/**
 * The text of the value at key path `at` of the JSON object `text`, or undefined: what
 * `integralFloatPaths(valueText, [], …)` needs, and what a caller may remember the answer by.
 */
export function valueText(text: string, at: readonly string[]): string | undefined {
  const start = locate(text, at);
  return start === -1 ? undefined : text.slice(start, skipValue(text, start));
}

/** Where the value at key path `at` starts, or -1. */
function locate(text: string, at: readonly string[]): number {
  let pos = skipSpace(text, 0);
  for (const key of at) {
    pos = lastMemberValue(text, pos, key);
    if (pos === -1) return -1;
  }
  return pos;
}

/** Where the value of the last member named `key` of the object at `pos` starts, or -1. */
function lastMemberValue(text: string, pos: number, key: string): number {
  if (text.charCodeAt(pos) !== OPEN_BRACE) return -1;
  const quotedKey = JSON.stringify(key);
  let found = -1;
  pos = skipSpace(text, pos + 1);
  while (text.charCodeAt(pos) === QUOTE) {
    const keyEnd = stringEnd(text, pos);
    const name = keyText(text, pos, keyEnd);
    pos = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the `:`
    const valueEnd = skipValue(text, pos);
    if (name === key) {
      found = pos;
      // Without the key's text further on there is no later duplicate: the rest of the line
      // (the big `data` arrays) need not be walked. (A duplicate spelled with escapes, e.g.
      // `device\u005fconfig`, is missed; only its floats' types would suffer.)
      if (text.indexOf(quotedKey, valueEnd) === -1) return found;
    }
    pos = skipSpace(text, valueEnd);
    if (text.charCodeAt(pos) !== COMMA) break;
    pos = skipSpace(text, pos + 1);
  }
  return found;
}

/**
 * Walks the value at `pos`, recording in `floats` (keyed by the path's JSON) the path of every
 * number written as a float, and forgetting it when a later duplicate key writes it otherwise.
 * Returns the index just past the value. Recursion is bounded: the value passed the nesting check.
 */
function collectFloatLexemes(text: string, pos: number, path: (string | number)[], floats: Map<string, JsonPath>): number {
  const first = text.charCodeAt(pos);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    const isObject = first === OPEN_BRACE;
    pos = skipSpace(text, pos + 1);
    const close = isObject ? CLOSE_BRACE : CLOSE_BRACKET;
    if (text.charCodeAt(pos) === close) return pos + 1;
    for (let index = 0; pos < text.length; index++) {
      if (isObject) {
        const keyEnd = stringEnd(text, pos);
        path.push(keyText(text, pos, keyEnd));
        pos = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the `:`
      } else {
        path.push(index);
      }
      pos = skipSpace(text, collectFloatLexemes(text, pos, path, floats));
      path.pop();
      if (text.charCodeAt(pos) !== COMMA) return pos + 1; // the closing brace or bracket
      pos = skipSpace(text, pos + 1);
    }
    return pos;
  }
  if (first === QUOTE) return stringEnd(text, pos);
  const end = scalarEnd(text, pos);
  if (first === MINUS || (first >= 0x30 && first <= 0x39)) {
    const key = JSON.stringify(path);
    if (isFloatLexeme(text, pos, end)) floats.set(key, [...path]);
    else floats.delete(key);
  }
  return end;
}

/** `1.0`, `1e3`, `2E-1`, `-0`: what serde_json reads as a float. (`true` has an `e`: numbers only.) */
function isFloatLexeme(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */ || c === 0x65 /* e */ || c === 0x45 /* E */) return true;
  }
  return end - start === 2 && text.charCodeAt(start) === MINUS && text.charCodeAt(start + 1) === 0x30;
}

/** A key's text: the characters between the quotes, unescaped when there are escapes. */
function keyText(text: string, start: number, end: number): string {
  const body = text.slice(start + 1, end - 1);
  return body.indexOf('\\') === -1 ? body : (JSON.parse(text.slice(start, end)) as string);
}

/** Index just past the string whose opening quote is at `pos`. */
function stringEnd(text: string, pos: number): number {
  let search = pos + 1;
  for (;;) {
    const quote = text.indexOf('"', search);
    if (quote === -1) return text.length;
    let backslashes = 0;
    for (let i = quote - 1; i > pos && text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    search = quote + 1;
  }
}

/** Index just past a number, `true`, `false`, `null`, `NaN` or `[-]Infinity` at `pos`. */
function scalarEnd(text: string, pos: number): number {
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 0x20) break;
    pos++;
  }
  return pos;
}

/**
 * Index just past the value at `pos`, without looking inside it. A container is crossed by
 * jumping from one bracket, brace or quote to the next with `indexOf` (native scans, several
 * times faster than a character loop or a regex over a skipped `data` array's digits). Each
 * character's search only moves forward, so the whole skip is linear.
 */
function skipValue(text: string, pos: number): number {
  const first = text.charCodeAt(pos);
  if (first === QUOTE) return stringEnd(text, pos);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return scalarEnd(text, pos);
  const length = text.length;
  const find = (char: string, from: number): number => {
    const at = text.indexOf(char, from);
    return at === -1 ? length : at;
  };
  let quote = -1;
  let openBrace = -1;
  let closeBrace = -1;
  let openBracket = -1;
  let closeBracket = -1;
  let depth = 0;
  while (pos < length) {
    if (quote < pos) quote = find('"', pos);
    if (openBrace < pos) openBrace = find('{', pos);
    if (closeBrace < pos) closeBrace = find('}', pos);
    if (openBracket < pos) openBracket = find('[', pos);
    if (closeBracket < pos) closeBracket = find(']', pos);
    const next = Math.min(quote, openBrace, closeBrace, openBracket, closeBracket);
    if (next === length) break;
    if (next === quote) {
      pos = stringEnd(text, next);
      continue;
    }
    if (next === openBrace || next === openBracket) depth++;
    else if (--depth === 0) return next + 1;
    pos = next + 1;
  }
  return length;
}

function skipSpace(text: string, pos: number): number {
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    pos++;
  }
  return pos;
}
