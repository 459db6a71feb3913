/**
 * Arrays for the traces the ingest thread reads (a big line's data arrays, its decoded binary
 * traces), reused once their line is journaled. A fresh array per trace was memory to fault in
 * and to collect on the thread that a burst keeps busy: for an 80 KB binary trace, and ~7 µs of
 * the ~100 µs a 1,000-point JSON trace takes (issue 18, measured in bench/RESULTS.md).
 *
 * Only arrays of MIN_REUSED_VALUES or more are kept, at most MAX_FREE_PER_SIZE of one size (the
 * lines of one turn, up to 64 in flight per connection, are parsed before any is journaled) and
 * MAX_FREE_BYTES in all: a client that sends ever new sizes does not make the ingest hold memory.
 */
import { type AllocateFloat64, allocFloat64 } from '../../protocol/binary-trace.js';

const MIN_REUSED_VALUES = 64;
const MAX_FREE_PER_SIZE = 64;
const MAX_FREE_BYTES = 4 * 1024 * 1024;

/** The arrays of one line. */
export interface ValueLease {
  allocate: AllocateFloat64;
  /** Once nothing reads the arrays any more (their line is journaled); a second call does nothing. */
  giveBack(): void;
}

export class ReusedValueArrays {
  /** Free arrays by their length. */
  private readonly free = new Map<number, Float64Array[]>();
  private freeBytes = 0;

  lease(): ValueLease {
    const leased: Float64Array[] = [];
    return {
      allocate: (count) => {
        if (count < MIN_REUSED_VALUES) return allocFloat64(count);
        const values = this.take(count);
        leased.push(values);
        return values;
      },
      giveBack: () => {
        // Emptied first: an array kept twice would be handed to two lines at once.
        for (const values of leased.splice(0)) this.keep(values);
      },
    };
  }

  /** Free bytes held (for tests). */
  get heldBytes(): number {
    return this.freeBytes;
  }

  private take(count: number): Float64Array {
    const arrays = this.free.get(count);
    const values = arrays?.pop();
    if (values === undefined) return allocFloat64(count);
    this.freeBytes -= values.byteLength;
    if (arrays!.length === 0) this.free.delete(count);
    return values;
  }

  private keep(values: Float64Array): void {
    const arrays = this.free.get(values.length);
    if ((arrays?.length ?? 0) >= MAX_FREE_PER_SIZE || this.freeBytes + values.byteLength > MAX_FREE_BYTES) return;
    if (arrays) arrays.push(values);
    else this.free.set(values.length, [values]);
    this.freeBytes += values.byteLength;
  }
}
