/**
 * A channel's client timestamps kept as the bytes of their JSON array (a big line read from its
 * bytes, line-skeleton.ts), turned into strings only if the merge uses them.
 *
 * 5,000,000 timestamps for one value (115 MB) are valid, and their count rules them out (SPEC §4:
 * the arrival time is stored). Parsed as JSON, every reader of the line built 5,000,000 strings
 * and a heap of a gigabyte, and the kernel's unmapping of that memory stalled every thread of
 * rex, the ones answering other clients too, for 100–400 ms. Kept as bytes, they cost a scan.
 *
 * Only arrays of plain strings are kept so: no backslash, no control character, so each string's
 * text is its bytes read as UTF-8 (what JSON.parse gives). Anything else stays in the skeleton.
 */
import { isRfc3339 } from './timestamps.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const FAILED = -1;

export class TimestampBytes {
  /** How many strings. */
  readonly length: number;
  /** The first string ('' when there is none). */
  readonly first: string;

  /** `bytes`: a whole array as {@link plainStringArrayEnd} accepted it. */
  constructor(private readonly bytes: Uint8Array) {
    const buffer = asBuffer(bytes);
    let quotes = 0;
    for (let i = 0; i < buffer.length; i++) if (buffer[i] === QUOTE) quotes++;
    this.length = quotes / 2;
    const open = buffer.indexOf(QUOTE);
    this.first = open === -1 ? '' : buffer.toString('utf8', open + 1, buffer.indexOf(QUOTE, open + 1));
  }

  /** The first string that is not RFC 3339 (its first 64 characters), or null; read only when they may be used. */
  get invalid(): string | null {
    const buffer = asBuffer(this.bytes);
    for (let open = buffer.indexOf(QUOTE); open !== -1; ) {
      const close = buffer.indexOf(QUOTE, open + 1);
      const text = buffer.toString('utf8', open + 1, close);
      if (!isRfc3339(text)) return text.slice(0, 64);
      open = buffer.indexOf(QUOTE, close + 1);
    }
    return null;
  }

  /** The strings (once the merge stores them). */
  strings(): string[] {
    return JSON.parse(asBuffer(this.bytes).toString('utf8')) as string[];
  }
}

/** Client timestamps as parsed, or still as bytes. */
export type ClientTimestamps = string[] | TimestampBytes;

/** The strings of `timestamps`, made now if they were still bytes. */
export function timestampStrings(timestamps: ClientTimestamps): string[] {
  return Array.isArray(timestamps) ? timestamps : timestamps.strings();
}

/**
 * Where the array opening at `open` ends when it holds only plain strings (see the module), or -1
 * (then the ordinary parser reads it, and explains what is wrong with it).
 */
export function plainStringArrayEnd(line: Uint8Array, open: number): number {
  if (line[open] !== OPEN_BRACKET) return FAILED;
  let pos = spaces(line, open + 1);
  if (line[pos] === CLOSE_BRACKET) return pos + 1;
  for (;;) {
    if (line[pos] !== QUOTE) return FAILED;
    for (pos++; pos < line.length; pos++) {
      const c = line[pos]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20) return FAILED;
    }
    if (pos >= line.length) return FAILED;
    pos = spaces(line, pos + 1);
    if (line[pos] === CLOSE_BRACKET) return pos + 1;
    if (line[pos] !== COMMA) return FAILED;
    pos = spaces(line, pos + 1);
  }
}

function spaces(line: Uint8Array, pos: number): number {
  for (let c = line[pos]; c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a; c = line[++pos]);
  return pos;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
