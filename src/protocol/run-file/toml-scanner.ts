/**
 * A TOML scanner that is fed a file in pieces (pure): `rex ls`, `show` and `export` read output
 * files of any size with it, 5 GB included, in bounded memory. It reports what it reads to a
 * handler (tables, keys, scalars, array and inline-table bounds) with the byte offset of each,
 * so a reader can come back later to one array alone (`TomlScanner.value`).
 *
 * The driver feeds bytes; the scanner takes whole tokens only, and says how many bytes it took:
 * the rest (a token cut by the piece's end) comes back at the head of the next piece. A token is
 * short (a number, a key, a header line); only a string can be long, and the driver grows its
 * buffer for it.
 *
 * An array the handler asks to have counted (`arrayStart` returns true) is not tokenized: its
 * values are counted, and its rows' lengths measured, by a byte loop about ten times faster. That
 * is how an index of a file skips its channels' data.
 *
 * Numbers are read as JavaScript reads them (correctly rounded, so every double written in its
 * shortest form reads back bit-identical), after TOML's own forms (`_` separators, `inf`, `nan`,
 * `0x`/`0o`/`0b` integers); dates and times are given as their text.
 */

import { NOT_DECIDED, readDecimalInto } from '../decimal-bytes.js';
import { readPieceWasm } from '../number-reader-wasm/number-reader-wasm.js';
import { type ArrayCount, ArrayCounter } from './toml-array-counter.js';
import {
  APOS,
  BACKSLASH,
  BRACE_CLOSE,
  BRACE_OPEN,
  bareValue,
  CLOSE,
  COMMA,
  CR,
  DOT,
  EQUALS,
  HASH,
  LF,
  latin1,
  MINUS,
  NINE,
  OPEN,
  QUOTE,
  SPACE,
  TAB,
  unescapeBasic,
  ZERO,
} from './toml-lexemes.js';

export type { ArrayCount };

export type TomlScalar = string | number | bigint | boolean;

export interface TomlHandler {
  /** `[a.b]` (or `[[a.b]]`, an array of tables) at `offset`. */
  table(path: string[], arrayOfTables: boolean, offset: number): void;
  /** A key (dotted: its parts) whose value follows, at top level or in an inline table. */
  key(path: string[], offset: number): void;
  /** An array starts; true asks for it to be counted instead ({@link counted} follows, not its values). */
  arrayStart(offset: number): boolean;
  arrayEnd(): void;
  counted(count: ArrayCount): void;
  inlineTableStart(offset: number): void;
  inlineTableEnd(): void;
  /** A value at `offset`; for a run of a data array's numbers read at once, where the run starts. */
  scalar(value: TomlScalar, offset: number): void;
}

export class TomlSyntaxError extends Error {
  override name = 'TomlSyntaxError';
  constructor(
    message: string,
    /** Byte offset in the file. */
    readonly offset: number,
  ) {
    super(message);
  }
}

enum Ctx {
  /** Top level: a key, a table header, or nothing on a line. */
  Top,
  /** After `key =`, at top level: one value, then the end of the line. */
  TopValue,
  /** After a top-level value: only a comment or the line's end. */
  LineEnd,
  /** In an array, expecting a value or `]`. */
  ArrayValue,
  /** In an array after a value: `,` or `]`. */
  ArrayNext,
  /** In an inline table, expecting a key or `}`. */
  InlineKey,
  /** In an inline table after `key =`. */
  InlineValue,
  /** In an inline table after a value: `,` or `}`. */
  InlineNext,
  /** A value read alone ({@link TomlScanner.value}) has ended. */
  Done,
}

const isBare = (b: number): boolean => (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b === 95 || b === 45;
const isSpace = (b: number): boolean => b === SPACE || b === TAB;
/** Where a bare value (number, bool, date) ends. */
const endsBareValue = (b: number): boolean =>
  b === COMMA || b === CLOSE || b === BRACE_CLOSE || b === HASH || b === LF || b === CR || b === SPACE || b === TAB;

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Where {@link readDecimalInto} puts each number read. */
const DECIMAL = new Float64Array(1);
/** The longest run of a data array's numbers read at once (as the JSON array reader's pieces). */
const RUN_BYTES = 32 * 1024;
/** Where a run's numbers are read to: each takes a digit and a separator. */
let runValues: Float64Array | undefined;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_AFTER_SPACE = /^ \d{2}:/;

export class TomlScanner {
  private stack: Ctx[];
  private counting: ArrayCounter | null = null;
  /** A view of the bytes last fed, for {@link readDecimalInto}. */
  private viewBytes: Uint8Array | null = null;
  private view: DataView | null = null;
  /** Bytes of the file before the current piece. */
  private base = 0;
  /** File offset up to which a run of numbers was refused by the run reader: read one by one. */
  private runRefusedUntil = 0;

  private constructor(
    private readonly handler: TomlHandler,
    start: Ctx,
    offset: number,
    /** Arrays read as numbers only, integers as doubles too ({@link numbers}): a channel's data. */
    private readonly numericArrays: boolean,
  ) {
    this.stack = [start];
    this.base = offset;
  }

  /** Scans a whole document from its first byte. */
  static document(handler: TomlHandler): TomlScanner {
    return new TomlScanner(handler, Ctx.Top, 0, false);
  }

  /**
   * Scans the one value that starts at `offset` in the file (the driver feeds from there); {@link
   * done} once it has ended. Its plain numbers are read straight from the bytes, integers as
   * doubles too: for a channel's data, which is doubles whatever its text.
   */
  static value(handler: TomlHandler, offset: number): TomlScanner {
    const scanner = new TomlScanner(handler, Ctx.Done, offset, true);
    scanner.stack.push(Ctx.TopValue);
    return scanner;
  }

  get done(): boolean {
    return this.top() === Ctx.Done;
  }

  /**
   * Scans `bytes[0, end)`, the file from the offset after what was taken so far. Returns how
   * many bytes it took; the driver keeps the rest for the next call, in front of new bytes.
   * `final`: no more bytes will come.
   */
  feed(bytes: Uint8Array, end: number, final: boolean): number {
    let pos = 0;
    while (pos < end && this.top() !== Ctx.Done) {
      const next = this.counting ? this.count(bytes, pos, end) : this.step(this.top(), bytes, pos, end, final);
      if (next < 0) break; // a token runs past the piece: wait for more
      pos = next;
    }
    if (final && (this.counting || (this.top() !== Ctx.Done && this.top() !== Ctx.Top && this.top() !== Ctx.LineEnd))) {
      this.fail('the file ends inside a value', pos);
    }
    if (this.top() === Ctx.Done) pos = end;
    this.base += pos;
    return pos;
  }

  private top(): Ctx {
    return this.stack[this.stack.length - 1]!;
  }

  private set(ctx: Ctx): void {
    this.stack[this.stack.length - 1] = ctx;
  }

  private fail(message: string, pos: number): never {
    throw new TomlSyntaxError(message, this.base + pos);
  }

  /** One token (or a run of blanks) in context `ctx`; the position after it, or -1 if it is cut. */
  private step(ctx: Ctx, b: Uint8Array, pos: number, end: number, final: boolean): number {
    if (this.numericArrays && (ctx === Ctx.ArrayValue || ctx === Ctx.ArrayNext)) {
      const next = this.numbers(b, pos, end);
      if (next > pos) return next;
    }
    const c = b[pos]!;
    if (isSpace(c)) {
      while (pos < end && isSpace(b[pos]!)) pos++;
      return pos;
    }
    if (c === HASH) {
      const lf = b.indexOf(LF, pos);
      if (lf < 0 || lf >= end) return final ? end : -1;
      return lf;
    }
    if (c === LF || c === CR) {
      if (c === CR && pos + 1 >= end && !final) return -1;
      if (c === CR && b[pos + 1] !== LF) this.fail('a carriage return without a line feed', pos);
      if (ctx === Ctx.TopValue || ctx === Ctx.InlineKey || ctx === Ctx.InlineValue || ctx === Ctx.InlineNext) {
        this.fail(ctx === Ctx.TopValue ? 'a key without a value' : 'an inline table across lines', pos);
      }
      if (ctx === Ctx.LineEnd) this.set(Ctx.Top);
      return pos + (c === CR ? 2 : 1);
    }
    switch (ctx) {
      case Ctx.Top:
        return c === OPEN ? this.tableHeader(b, pos, end, final) : this.keyThenEquals(b, pos, end, final, Ctx.TopValue);
      case Ctx.LineEnd:
        return this.fail('more after a value on its line', pos);
      case Ctx.InlineKey:
        if (c === BRACE_CLOSE) return this.closeInline(pos);
        return this.keyThenEquals(b, pos, end, final, Ctx.InlineValue);
      case Ctx.ArrayNext:
        if (c === COMMA) {
          this.set(Ctx.ArrayValue);
          return pos + 1;
        }
        if (c === CLOSE) return this.closeArray(pos);
        return this.fail('expected `,` or `]` in an array', pos);
      case Ctx.InlineNext:
        if (c === COMMA) {
          this.set(Ctx.InlineKey);
          return pos + 1;
        }
        if (c === BRACE_CLOSE) return this.closeInline(pos);
        return this.fail('expected `,` or `}` in an inline table', pos);
      case Ctx.ArrayValue:
        if (c === CLOSE) return this.closeArray(pos);
        return this.value(b, pos, end, final);
      default:
        return this.value(b, pos, end, final);
    }
  }

  /**
   * The bulk of a data array in one loop: plain decimal numbers (read from the bytes, no string
   * made), commas, blanks and line feeds. Runs of numbers up to ~32 KB go to the WebAssembly
   * reader at once ({@link readRun}); what it refuses is read number by number here. It stops at
   * anything else, or a number it does not decide or that the piece may cut, and leaves that to
   * {@link step}.
   */
  private numbers(b: Uint8Array, pos: number, end: number): number {
    if (this.viewBytes !== b) {
      this.viewBytes = b;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    let ctx = this.top();
    while (pos < end) {
      const c = b[pos]!;
      if (c === SPACE || c === LF || c === TAB) pos++;
      else if (ctx === Ctx.ArrayNext && c === COMMA) {
        ctx = Ctx.ArrayValue;
        pos++;
      } else if (ctx === Ctx.ArrayValue && ((c >= ZERO && c <= NINE) || c === MINUS)) {
        if (this.base + pos >= this.runRefusedUntil) {
          const after = this.readRun(b, pos, end);
          if (after > pos) {
            ctx = Ctx.ArrayNext;
            pos = after;
            continue;
          }
        }
        const after = readDecimalInto(b, this.view!, pos, DECIMAL, 0);
        if (after === NOT_DECIDED || after >= end || !endsBareValue(b[after]!)) break;
        this.handler.scalar(DECIMAL[0]!, this.base + pos);
        ctx = Ctx.ArrayNext;
        pos = after;
      } else break;
    }
    this.set(ctx);
    return pos;
  }

  /**
   * The numbers from `pos` to the array's `]` (before its trailing comma, if any), or to the last
   * comma of the next ~32 KB, read by the WebAssembly reader at once; returns the position after
   * them (a `,` or the `]`), or `pos` when there is no such run or the reader refused it (anything
   * but plain numbers, commas and blanks, such as a comment or TOML's own forms). Its numbers
   * are the ones {@link readDecimalInto} or `Number` give, bit for bit.
   */
  private readRun(b: Uint8Array, pos: number, end: number): number {
    const window = b.subarray(pos, Math.min(end, pos + RUN_BYTES));
    const close = window.indexOf(CLOSE);
    let stop = close === -1 ? window.lastIndexOf(COMMA) : close;
    if (close !== -1) {
      let last = close - 1;
      while (last > 0 && (window[last] === SPACE || window[last] === LF || window[last] === TAB)) last--;
      if (window[last] === COMMA) stop = last;
    }
    if (stop <= 0) return pos;
    runValues ??= new Float64Array((RUN_BYTES >> 1) + 1);
    const count = readPieceWasm(b, pos, pos + stop, runValues, 0);
    if (count <= 0) {
      this.runRefusedUntil = this.base + pos + stop;
      return pos;
    }
    for (let i = 0; i < count; i++) this.handler.scalar(runValues[i]!, this.base + pos);
    return pos + stop;
  }

  /** After a value in the current context. */
  private afterValue(): void {
    const ctx = this.top();
    this.set(
      ctx === Ctx.TopValue ? (this.stack.length === 1 ? Ctx.LineEnd : Ctx.Done) : ctx === Ctx.ArrayValue ? Ctx.ArrayNext : Ctx.InlineNext,
    );
    if (ctx === Ctx.TopValue && this.stack.length > 1) this.stack.length = 1;
  }

  private closeArray(pos: number): number {
    this.stack.pop();
    this.handler.arrayEnd();
    this.afterValue();
    return pos + 1;
  }

  private closeInline(pos: number): number {
    this.stack.pop();
    this.handler.inlineTableEnd();
    this.afterValue();
    return pos + 1;
  }

  private value(b: Uint8Array, pos: number, end: number, final: boolean): number {
    const c = b[pos]!;
    if (c === OPEN) {
      if (this.handler.arrayStart(this.base + pos)) {
        this.counting = new ArrayCounter();
        return pos + 1;
      }
      this.stack.push(Ctx.ArrayValue);
      return pos + 1;
    }
    if (c === BRACE_OPEN) {
      this.handler.inlineTableStart(this.base + pos);
      this.stack.push(Ctx.InlineKey);
      return pos + 1;
    }
    if (c === QUOTE || c === APOS) {
      const read = this.string(b, pos, end, final);
      if (!read) return -1;
      this.handler.scalar(read.text, this.base + pos);
      this.afterValue();
      return read.end;
    }
    let stop = pos;
    while (stop < end && !endsBareValue(b[stop]!)) stop++;
    if (stop === end && !final) return -1;
    let text = latin1(b, pos, stop);
    // A date and a time may be apart by one space (`1979-05-27 07:32:00Z`).
    if (DATE.test(text) && stop < end && b[stop] === SPACE) {
      if (stop + 4 > end && !final) return -1;
      if (TIME_AFTER_SPACE.test(latin1(b, stop, Math.min(stop + 4, end)))) {
        let timeEnd = stop + 1;
        while (timeEnd < end && !endsBareValue(b[timeEnd]!)) timeEnd++;
        if (timeEnd === end && !final) return -1;
        text = latin1(b, pos, timeEnd);
        stop = timeEnd;
      }
    }
    this.handler.scalar(
      bareValue(text, () => this.fail(`not a TOML value: ${JSON.stringify(text.slice(0, 40))}`, pos)),
      this.base + pos,
    );
    this.afterValue();
    return stop;
  }

  private tableHeader(b: Uint8Array, pos: number, end: number, final: boolean): number {
    if (pos + 1 >= end && !final) return -1;
    const double = b[pos + 1] === OPEN;
    const keys = this.keyPath(b, pos + (double ? 2 : 1), end, final);
    if (!keys) return -1;
    let p = keys.end;
    if (p + (double ? 1 : 0) >= end && !final) return -1;
    if (b[p] !== CLOSE || (double && b[p + 1] !== CLOSE)) this.fail(`a table header must end with ${double ? ']]' : ']'}`, p);
    p += double ? 2 : 1;
    this.handler.table(keys.path, double, this.base + pos);
    this.set(Ctx.LineEnd);
    return p;
  }

  private keyThenEquals(b: Uint8Array, pos: number, end: number, final: boolean, next: Ctx): number {
    const keys = this.keyPath(b, pos, end, final);
    if (!keys) return -1;
    if (keys.end >= end) return final ? this.fail('a key without a value', keys.end) : -1;
    if (b[keys.end] !== EQUALS) this.fail('expected `=` after a key', keys.end);
    this.handler.key(keys.path, this.base + pos);
    this.set(next);
    return keys.end + 1;
  }

  /** `a.b."c d"` with blanks around the dots and after the last part; null if cut by the piece's end. */
  private keyPath(b: Uint8Array, pos: number, end: number, final: boolean): { path: string[]; end: number } | null {
    const path: string[] = [];
    let p = pos;
    for (;;) {
      while (p < end && isSpace(b[p]!)) p++;
      if (p >= end) return final ? this.fail('a key is cut by the end of the file', p) : null;
      const c = b[p]!;
      if (c === QUOTE || c === APOS) {
        const read = this.string(b, p, end, final, true);
        if (!read) return null;
        path.push(read.text);
        p = read.end;
      } else {
        const start = p;
        while (p < end && isBare(b[p]!)) p++;
        if (p === end && !final) return null;
        if (p === start) this.fail('expected a key', p);
        path.push(latin1(b, start, p));
      }
      while (p < end && isSpace(b[p]!)) p++;
      if (p >= end) return final ? { path, end: p } : null;
      if (b[p] !== DOT) return { path, end: p };
      p++;
    }
  }

  /** A string at `pos` (its quote); null if cut by the piece's end. */
  private string(b: Uint8Array, pos: number, end: number, final: boolean, isKey = false): { text: string; end: number } | null {
    const quote = b[pos]!;
    if (pos + 2 >= end && !final) return null;
    const multiline = b[pos + 1] === quote && b[pos + 2] === quote;
    if (multiline && isKey) this.fail('a key cannot be a multi-line string', pos);
    let p = multiline ? pos + 3 : pos + 1;
    const start = p;
    let escapes = false;
    let ascii = true;
    for (;;) {
      if (p >= end) return final ? this.fail('a string is not closed', pos) : null;
      const c = b[p]!;
      if (c >= 0x80) ascii = false;
      if (c === BACKSLASH && quote === QUOTE) {
        escapes = true;
        p += 2;
        continue;
      }
      if ((c === LF || c === CR) && !multiline) this.fail('a line break inside a one-line string', p);
      if (c === quote) {
        if (!multiline) break;
        if (p + 2 >= end && !final) return null;
        if (b[p + 1] === quote && b[p + 2] === quote) {
          // Up to two more quotes belong to the string (`""""` ends with one quote inside).
          for (let extra = 0; extra < 2; extra++) {
            if (p + 3 >= end && !final) return null;
            if (b[p + 3] !== quote) break;
            p++;
          }
          break;
        }
      }
      p++;
    }
    let raw: string;
    try {
      // A timestamp is a short ASCII string: a decoder's set-up would cost more than the string.
      raw = ascii && p - start <= 64 ? latin1(b, start, p) : utf8.decode(b.subarray(start, p));
    } catch {
      return this.fail('a string is not valid UTF-8', start);
    }
    if (multiline && raw.startsWith('\n')) raw = raw.slice(1);
    else if (multiline && raw.startsWith('\r\n')) raw = raw.slice(2);
    const text = escapes ? unescapeBasic(raw, multiline, (message) => this.fail(message, start)) : raw;
    return { text, end: p + (multiline ? 3 : 1) };
  }

  private count(b: Uint8Array, pos: number, end: number): number {
    const counter = this.counting!;
    const next = counter.feed(b, pos, end);
    if (counter.done) {
      this.counting = null;
      this.handler.counted(counter.count);
      this.afterValue();
    }
    return next;
  }
}
