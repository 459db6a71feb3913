/**
 * A chunked, resizable HDF5 dataset filled as values stream in: values are gathered into a
 * buffer of a few chunks, then the dataset is grown (`resize`) and the buffer written
 * (`write_slice`) to the file. Memory stays at one buffer whatever the dataset's size.
 */
import type { Dataset, Group } from 'h5wasm/node';

/** Values per chunk: 1 MiB of float64, the size of HDF5's default chunk cache. */
const CHUNK_VALUES = 131_072;
/** Chunks gathered per write: fewer, larger calls into the WebAssembly engine. */
const CHUNKS_PER_WRITE = 4;

type Values = Float64Array | BigInt64Array;

export class Appender<T extends Values> {
  private readonly dataset: Dataset;
  private readonly buffer: T;
  private filled = 0;
  /** Rows written (values, for a 1-D dataset). */
  private rows = 0;

  /**
   * A dataset of rows of `width` values (width 0: 1-D), of `dtype`, sized for about `expected`
   * values in all (chunks no larger than the data, so a small channel stays small on disk).
   */
  constructor(
    group: Group,
    name: string,
    dtype: '<d' | '<q',
    private readonly width: number,
    expected: number,
    make: (length: number) => T,
  ) {
    const rowValues = Math.max(width, 1);
    const expectedRows = Math.max(1, Math.ceil(expected / rowValues));
    const chunkRows = Math.min(Math.max(1, Math.floor(CHUNK_VALUES / rowValues)), expectedRows);
    this.dataset = group.create_dataset({
      name,
      data: make(0),
      shape: width === 0 ? [0] : [0, width],
      dtype,
      maxshape: width === 0 ? [null] : [null, width],
      chunks: width === 0 ? [chunkRows] : [chunkRows, Math.min(width, CHUNK_VALUES)],
    });
    const bufferRows = Math.min(Math.max(1, Math.floor((CHUNK_VALUES * CHUNKS_PER_WRITE) / rowValues)), expectedRows);
    this.buffer = make(bufferRows * rowValues);
  }

  get node(): Dataset {
    return this.dataset;
  }

  /** Appends values (for a 2-D dataset, whole rows, possibly several). */
  push(values: T): void {
    let from = 0;
    while (from < values.length) {
      const take = Math.min(values.length - from, this.buffer.length - this.filled);
      this.buffer.set(values.subarray(from, from + take) as never, this.filled);
      this.filled += take;
      from += take;
      if (this.filled === this.buffer.length) this.flush();
    }
  }

  /** Writes what is buffered. */
  finish(): void {
    this.flush();
  }

  private flush(): void {
    if (this.filled === 0) return;
    const rowValues = Math.max(this.width, 1);
    const rows = this.filled / rowValues;
    const start = this.rows;
    this.dataset.resize(this.width === 0 ? [start + rows] : [start + rows, this.width]);
    const ranges: [number, number][] =
      this.width === 0
        ? [[start, start + rows]]
        : [
            [start, start + rows],
            [0, this.width],
          ];
    this.dataset.write_slice(ranges, this.buffer.subarray(0, this.filled));
    this.rows += rows;
    this.filled = 0;
  }
}
