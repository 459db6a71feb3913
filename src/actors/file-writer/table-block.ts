/**
 * The channels of a new device's channel table (merge.ts `freshTable`: a line of many small
 * channels, all first seen), kept as the table's columns instead of a ChannelSpill, a map entry
 * and a budget entry each: for a line of 100,000 one-value channels those were most of the
 * file-writer's time and garbage. A channel that a later message reaches leaves the block for a
 * spill of its own (`take`). The values count against the run's budget like a spill's: flushed,
 * they are one piece of the values file.
 */
import type { ChannelShape, FreshTable, Stamps } from '../../protocol/merge.js';
import type { ChannelTable } from '../../protocol/channel-table.js';
import type { OutputChannel, SingleOutputChannel } from '../../protocol/output/source.js';
import { ChannelSpill } from './channel-spill.js';
import type { Flushable, SpillFiles } from './spill-files.js';
import { readFloat64Chunks } from './spill-reader.js';

/** Timestamps handed to the renderer at once (more: in chunks of this many). */
const STAMPS_AT_ONCE = 16 * 1024;
const NO_BYTES = new Uint8Array(0);

export class TableBlock implements Flushable {
  /** Names, units and value counts (no values: see `values`). */
  private readonly columns: ChannelTable;
  /** Every channel's values while in memory; null once written to the values file at `position`. */
  private values: Float64Array | null;
  private position = 0;
  private readonly bytes: number;
  /** Channel → index, made when a later message first reaches one of the block's channels. */
  private index: Map<string, number> | undefined;
  /** 1: the channel left the block (`take`). */
  private taken: Uint8Array | undefined;

  constructor(
    { table, arrivalTime }: FreshTable,
    private readonly files: SpillFiles,
  ) {
    // Copies: the table may be a view of the follower's read buffer.
    this.columns = table.copy(false);
    this.values = table.allValues.slice();
    this.timestamp = arrivalTime;
    this.bytes = this.values.byteLength;
    if (this.bytes > 0) files.held(this, this.bytes);
  }

  readonly timestamp: string;

  /** Values of all its channels (taken ones too). */
  get valueCount(): number {
    return this.bytes / 8;
  }

  flush(): void {
    const values = this.values;
    if (values === null) return;
    this.position = this.files.values.append(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.values = null;
    this.files.released(this, this.bytes);
  }

  /** Channel `name`'s spill, made from the block, if it is in the block: it leaves the block. */
  take(name: string): ChannelSpill | undefined {
    const { columns } = this;
    if (this.index === undefined) {
      this.index = new Map();
      for (let i = 0; i < columns.count; i++) this.index.set(columns.name(i), i);
    }
    const i = this.index.get(name);
    if (i === undefined || this.taken?.[i] === 1) return undefined;
    this.taken ??= new Uint8Array(columns.count);
    this.taken[i] = 1;
    const length = columns.length(i);
    const spill = new ChannelSpill(columns.unit(i), shapeOf(length), this.files);
    if (length > 0) spill.apply({ kind: 'append-values', values: this.valuesNow(i), stamps: this.stamps(length) }, 'single');
    return spill;
  }

  /** The channels still in the block, as the renderer reads them. */
  outputChannels(into: OutputChannel[]): void {
    for (let i = 0; i < this.columns.count; i++) if (this.taken?.[i] !== 1) into.push(new TableOutputChannel(this, i));
  }

  name(i: number): string {
    return this.columns.name(i);
  }

  unit(i: number): string {
    return this.columns.unit(i);
  }

  length(i: number): number {
    return this.columns.length(i);
  }

  /** Channel `i`'s values in memory (a view), or undefined once written out. */
  valuesInMemory(i: number): Float64Array | undefined {
    const start = this.columns.valueStart(i);
    return this.values?.subarray(start, start + this.columns.length(i));
  }

  /** Channel `i`'s values, read back from the values file when written out. */
  valuesNow(i: number): Float64Array {
    const inMemory = this.valuesInMemory(i);
    if (inMemory) return inMemory;
    const values = new Float64Array(this.columns.length(i));
    this.files.values.readAtSync(new Uint8Array(values.buffer), this.position + this.columns.valueStart(i) * 8);
    return values;
  }

  /** Channel `i`'s values as the spill reader streams them from the values file. */
  valuesFromFile(i: number): AsyncIterable<Float64Array> {
    const length = this.columns.length(i);
    const pieces = [this.position + this.columns.valueStart(i) * 8, length * 8];
    return readFloat64Chunks({ file: this.files.values, pieces, tail: NO_BYTES }, length);
  }

  stamps(count: number): Stamps {
    return { kind: 'repeat', timestamp: this.timestamp, count };
  }
}

function shapeOf(length: number): Exclude<ChannelShape, 'multi'> {
  return length === 0 ? 'undecided' : 'single';
}

/** A channel of a block as the renderer reads it (a class, not closures: one per channel). */
class TableOutputChannel implements SingleOutputChannel {
  readonly name: string;
  readonly unit: string;
  readonly shape: Exclude<ChannelShape, 'multi'>;
  private readonly length: number;

  constructor(
    private readonly block: TableBlock,
    private readonly i: number,
  ) {
    this.name = block.name(i);
    this.unit = block.unit(i);
    this.length = block.length(i);
    this.shape = shapeOf(this.length);
  }

  timestampsNow(): readonly string[] | undefined {
    return this.length <= STAMPS_AT_ONCE ? new Array<string>(this.length).fill(this.block.timestamp) : undefined;
  }

  async *timestamps(): AsyncGenerator<readonly string[]> {
    for (let done = 0; done < this.length; done += STAMPS_AT_ONCE)
      yield new Array<string>(Math.min(STAMPS_AT_ONCE, this.length - done)).fill(this.block.timestamp);
  }

  valuesNow(): Float64Array | undefined {
    return this.block.valuesInMemory(this.i);
  }

  values(): AsyncIterable<Float64Array> {
    const inMemory = this.block.valuesInMemory(this.i);
    return inMemory ? once(inMemory) : this.block.valuesFromFile(this.i);
  }
}

async function* once<T>(item: T): AsyncGenerator<T> {
  yield item;
}
