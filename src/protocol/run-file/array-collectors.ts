/**
 * What a reader streams out of one array of an output file (pure): a TomlScanner reads the array
 * alone (`TomlScanner.value`) into a collector, and the reader hands on the collector's chunks as
 * they fill. One collector per shape: a single channel's values, a trace's rows, timestamps.
 */
import type { ArrayCount, TomlHandler, TomlScalar } from './toml-scanner.js';

export abstract class ArrayCollector<T> implements TomlHandler {
  protected depth = 0;
  private ready: T[] = [];

  constructor(protected readonly what: string) {}

  /** The chunks filled since the last call. */
  take(): T[] {
    const ready = this.ready;
    this.ready = [];
    return ready;
  }

  protected emit(chunk: T): void {
    this.ready.push(chunk);
  }

  protected fail(problem: string): never {
    throw new Error(`${this.what}: ${problem}`);
  }

  arrayStart(): boolean {
    this.depth++;
    return false;
  }

  arrayEnd(): void {
    this.depth--;
  }

  inlineTableStart(): void {
    this.fail('a table where values belong');
  }

  table(): void {}
  key(): void {}
  counted(_: ArrayCount): void {}
  inlineTableEnd(): void {}
  abstract scalar(value: TomlScalar): void;
}

function asNumber(value: TomlScalar, fail: (problem: string) => never): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return fail(`${JSON.stringify(value)} is not a number`);
}

/** A single channel's values, in chunks of `chunkValues`. */
export class ValuesCollector extends ArrayCollector<Float64Array> {
  /** Grows to `chunkValues` as values come: a reader of many short channels at once holds little. */
  private chunk: Float64Array;
  private filled = 0;

  constructor(
    what: string,
    private readonly chunkValues: number,
  ) {
    super(what);
    this.chunk = new Float64Array(Math.min(16, chunkValues));
  }

  override arrayStart(): boolean {
    if (this.depth > 0) this.fail('a row where single values belong');
    return super.arrayStart();
  }

  override arrayEnd(): void {
    super.arrayEnd();
    if (this.filled > 0) this.emit(this.chunk.subarray(0, this.filled));
  }

  scalar(value: TomlScalar): void {
    if (this.filled === this.chunk.length) {
      const grown = new Float64Array(Math.min(this.chunk.length * 4, this.chunkValues));
      grown.set(this.chunk);
      this.chunk = grown;
    }
    this.chunk[this.filled++] = asNumber(value, (p) => this.fail(p));
    if (this.filled === this.chunkValues) {
      this.emit(this.chunk);
      this.chunk = new Float64Array(this.chunkValues);
      this.filled = 0;
    }
  }
}

/** A trace's rows, handed on once `chunkPoints` values are ready (a longer row goes alone). */
export class RowsCollector extends ArrayCollector<Float64Array[]> {
  private row = new Float64Array(64);
  private length = 0;
  private rows: Float64Array[] = [];
  private points = 0;

  constructor(
    what: string,
    private readonly chunkPoints: number,
  ) {
    super(what);
  }

  override arrayStart(): boolean {
    if (this.depth > 1) this.fail('an array inside a row');
    this.length = 0;
    return super.arrayStart();
  }

  override arrayEnd(): void {
    super.arrayEnd();
    if (this.depth === 1) {
      this.rows.push(this.row.slice(0, this.length));
      this.points += this.length;
      if (this.points >= this.chunkPoints) this.flush();
    } else this.flush();
  }

  private flush(): void {
    if (this.rows.length > 0) this.emit(this.rows);
    this.rows = [];
    this.points = 0;
  }

  scalar(value: TomlScalar): void {
    if (this.depth !== 2) this.fail('a single value where rows belong');
    if (this.length === this.row.length) {
      const grown = new Float64Array(this.row.length * 2);
      grown.set(this.row);
      this.row = grown;
    }
    this.row[this.length++] = asNumber(value, (p) => this.fail(p));
  }
}

/** Timestamps as written, in chunks of `chunkEntries`. */
export class TextCollector extends ArrayCollector<string[]> {
  private chunk: string[] = [];

  constructor(
    what: string,
    private readonly chunkEntries: number,
  ) {
    super(what);
  }

  override arrayStart(): boolean {
    if (this.depth > 0) this.fail('an array where timestamps belong');
    return super.arrayStart();
  }

  override arrayEnd(): void {
    super.arrayEnd();
    if (this.chunk.length > 0) this.emit(this.chunk);
  }

  scalar(value: TomlScalar): void {
    if (typeof value !== 'string') this.fail(`${String(value)} is not a timestamp`);
    this.chunk.push(value);
    if (this.chunk.length === this.chunkEntries) {
      this.emit(this.chunk);
      this.chunk = [];
    }
  }
}
