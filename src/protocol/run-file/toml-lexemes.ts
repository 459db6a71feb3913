/**
 * TOML's bytes and words (pure), for the output-file scanner: the byte values it looks for, and
 * the text of a bare value (number, boolean, date) or of an escaped string as a value.
 */
import type { TomlScalar } from './toml-scanner.js';

export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const QUOTE = 34;
export const HASH = 35;
export const APOS = 39;
export const COMMA = 44;
export const DOT = 46;
export const MINUS = 45;
export const ZERO = 48;
export const NINE = 57;
export const EQUALS = 61;
export const OPEN = 91;
export const BACKSLASH = 92;
export const CLOSE = 93;
export const BRACE_OPEN = 123;
export const BRACE_CLOSE = 125;

export function latin1(b: Uint8Array, start: number, end: number): string {
  // Short tokens: one call, a flat string (adding characters one by one builds a rope).
  return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
}

const SPECIAL: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, nan: NaN, '+nan': NaN, '-nan': NaN };
const INTEGER = /^[+-]?\d+$/;
const RADIX = /^0[xob][0-9a-fA-F]+$/;
const FLOAT = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?$|^\d{2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * A bare value's text as a value: an integer as a bigint and a float as a number (TOML tells them
 * apart, and so do the exports: `1000` stays an integer, `1000.0` a float), a boolean, or a
 * date/time (its text).
 */
export function bareValue(text: string, invalid: () => never): TomlScalar {
  const plain = text.includes('_') ? text.replace(/(?<=\w)_(?=\w)/g, '') : text;
  if (FLOAT.test(plain)) return INTEGER.test(plain) ? BigInt(plain) : Number(plain);
  const special = SPECIAL[plain];
  if (special !== undefined) return special;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (RADIX.test(plain)) return BigInt(plain);
  if (DATETIME.test(text)) return text;
  return invalid();
}

const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

export function unescapeBasic(raw: string, multiline: boolean, invalid: (message: string) => never): string {
  return raw.replace(
    /\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|([btnfre"\\])|([ \t]*\r?\n[\s]*)|(.?))/gs,
    (_, u4, u8, x2, simple, lineEnd, other) => {
      if (u4 || u8 || x2) {
        const code = Number.parseInt(u4 ?? u8 ?? x2, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) invalid(`\\${u4 ? 'u' : 'U'}${u4 ?? u8} is not a Unicode scalar value`);
        return String.fromCodePoint(code);
      }
      if (simple) return ESCAPES[simple]!;
      if (lineEnd !== undefined && multiline) return '';
      return invalid(`unknown escape \\${other ?? ''}`);
    },
  );
}
