/**
 * Counts an array of an output file without reading its values (pure): the elements at its top
 * level, its rows and their lengths. The index of a file goes over each channel's data this way,
 * about ten times faster than reading it. It is fed in pieces, like the scanner, and keeps where
 * it is between them (inside a string, a comment, a row).
 */
import { countValuesWasm, NOT_TAKEN } from '../number-reader-wasm/number-reader-wasm.js';
import { APOS, BACKSLASH, BRACE_CLOSE, BRACE_OPEN, CLOSE, COMMA, CR, HASH, LF, OPEN, QUOTE, SPACE, TAB } from './toml-lexemes.js';

/** The values of a counted array. */
export interface ArrayCount {
  /** Elements at its top level. */
  elements: number;
  /** How many of them are arrays (rows); `elements - rows` are scalars. */
  rows: number;
  /** Values in the rows, all rows together. */
  rowValues: number;
  /** Shortest and longest row (0 and 0 when there is none). */
  minRow: number;
  maxRow: number;
  /** Arrays inside rows, or tables anywhere: not a channel's shape. */
  deeper: boolean;
}

/** How a counted array's loop sees a byte: most are PLAIN (a number's, a bare word's). */
const PLAIN = 0;
const BLANK = 1;
const SPECIAL_BYTE = 2;
const BYTE_KIND = new Uint8Array(256).fill(PLAIN);
for (const c of [SPACE, TAB, LF, CR]) BYTE_KIND[c] = BLANK;
for (const c of [COMMA, HASH, CLOSE, BRACE_CLOSE, QUOTE, APOS, OPEN, BRACE_OPEN]) BYTE_KIND[c] = SPECIAL_BYTE;
/** A run of plain bytes, blanks and commas goes to WebAssembly once this many commas came without another special byte… */
const WASM_AFTER_COMMAS = 8;
/** …and when this many bytes at least are left in the piece. */
const WASM_RUN_MIN_BYTES = 256;
/** countValuesWasm's state: a value is expected, values started. */
const WASM_STATE = new Int32Array(2);

export class ArrayCounter {
  readonly count: ArrayCount = { elements: 0, rows: 0, rowValues: 0, minRow: 0, maxRow: 0, deeper: false };
  /** The array's closing `]` has been read. */
  done = false;
  /** Nesting inside the array: 1 at its top level. */
  private depth = 1;
  private expectingValue = true;
  /** Values in the current row. */
  private row = 0;
  /** Inside a string: its quote byte (0: not in one), and whether it is multi-line. */
  private quote = 0;
  private multiline = false;
  private escaped = false;
  private inComment = false;
  /** Commas since the last other special byte: many mean a run of numbers. */
  private commasSinceSpecial = 0;

  /** `wasm`: runs counted by WebAssembly where there is some (tests turn it off to compare). */
  constructor(private readonly wasm = true) {}

  /** Reads on from `pos`: the position after the array (then {@link done}), `end` if it goes on, or -1 for more bytes. */
  feed(b: Uint8Array, pos: number, end: number): number {
    const count = this.count;
    let p = pos;
    while (p < end) {
      if (this.inComment) {
        const lf = b.indexOf(LF, p);
        if (lf < 0 || lf >= end) return end;
        this.inComment = false;
        p = lf + 1;
        continue;
      }
      if (this.quote !== 0) {
        const after = this.stringEnd(b, p, end);
        if (this.quote !== 0) return after > pos ? after : -1;
        p = after;
        continue;
      }
      // A long run of values (a data array's) goes on sixteen bytes at a time, commas included,
      // to the next other special byte. An array whose values are strings (timestamps) has a
      // quote every few bytes: handing it over would cost more than it saves.
      if (this.wasm && this.commasSinceSpecial >= WASM_AFTER_COMMAS && end - p >= WASM_RUN_MIN_BYTES) {
        WASM_STATE[0] = this.expectingValue ? 1 : 0;
        const stop = countValuesWasm(b, p, end, WASM_STATE);
        if (stop !== NOT_TAKEN) {
          this.addValues(WASM_STATE[1]!);
          this.expectingValue = WASM_STATE[0] === 1;
          p = stop;
        }
      }
      // Most bytes are a number's or blanks: one table look-up decides them. Inside a value they
      // change nothing until the next special byte; before one, the first plain byte starts it.
      for (;;) {
        if (!this.expectingValue) {
          while (p < end && BYTE_KIND[b[p]!] !== SPECIAL_BYTE) p++;
          break;
        }
        while (p < end && BYTE_KIND[b[p]!] === BLANK) p++;
        if (p >= end || BYTE_KIND[b[p]!] !== PLAIN) break;
        this.valueStarts();
      }
      if (p >= end) return end;
      const c = b[p]!;
      if (c === COMMA) {
        this.expectingValue = true;
        this.commasSinceSpecial++;
        p++;
        continue;
      }
      this.commasSinceSpecial = 0;
      if (c === HASH) {
        this.inComment = true;
        p++;
      } else if (c === CLOSE || c === BRACE_CLOSE) {
        p++;
        this.depth--;
        if (this.depth === 0) {
          this.done = true;
          return p;
        }
        if (this.depth === 1) {
          count.rowValues += this.row;
          if (count.rows === 1 || this.row < count.minRow) count.minRow = this.row;
          if (this.row > count.maxRow) count.maxRow = this.row;
        }
        this.expectingValue = false;
      } else if (c === QUOTE || c === APOS) {
        // Whether a string is multi-line needs the next two bytes.
        if (p + 2 >= end) return p > pos ? p : -1;
        this.valueStarts();
        this.quote = c;
        this.multiline = b[p + 1] === c && b[p + 2] === c;
        p += this.multiline ? 3 : 1;
      } else {
        // `[` or `{`
        this.valueStarts();
        if (this.depth === 1 && c === OPEN) {
          count.rows++;
          this.row = 0;
        }
        this.depth++;
        if (this.depth > 2 || c === BRACE_OPEN) count.deeper = true;
        this.expectingValue = true;
        p++;
      }
    }
    return p;
  }

  private valueStarts(): void {
    if (!this.expectingValue) return;
    this.expectingValue = false;
    this.addValues(1);
  }

  private addValues(values: number): void {
    if (this.depth === 1) this.count.elements += values;
    else if (this.depth === 2) this.row += values;
  }

  /** Inside a counted array's string: how far it is read (past its closing quotes if they are in the piece). */
  private stringEnd(b: Uint8Array, p: number, end: number): number {
    for (; p < end; p++) {
      const c = b[p]!;
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH && this.quote === QUOTE) this.escaped = true;
      else if (c === this.quote) {
        if (!this.multiline) {
          this.quote = 0;
          return p + 1;
        }
        if (p + 2 >= end) return p; // the closing quotes may be cut: this quote waits for more
        if (b[p + 1] === c && b[p + 2] === c) {
          this.quote = 0;
          return p + 3;
        }
      }
    }
    return end;
  }
}
