/**
 * Derived rows waiting to be sent, and how they are cut into batches. Every measurement row and
 * every device row has an ordinal (its position in the journal's row stream, counted from 0), so a
 * batch is a pair of ordinal ranges plus, last of all, the end rows. The ranges name the batch's
 * dedup tokens, and rows below the committed ordinals (already stored) are dropped as they are
 * derived again after a restart.
 */
import { sliceSegment, type DeviceRow, type EndRows, type MeasurementSegment, type RowSink } from './rows.js';

export interface RowPosition {
  /** Measurement rows before this ordinal are stored. */
  m: number;
  /** Device rows before this ordinal are stored. */
  d: number;
  /** The end rows are stored. */
  end: boolean;
}

export interface BatchRange {
  m: [number, number];
  d: [number, number];
  end: boolean;
}

export interface Batch {
  range: BatchRange;
  segments: MeasurementSegment[];
  devices: DeviceRow[];
  end: EndRows | null;
  measurementRows: number;
}

export class RowQueue implements RowSink {
  private segments: MeasurementSegment[] = [];
  private head = 0;
  private devices: DeviceRow[] = [];
  private endRows: EndRows | null = null;
  /** Ordinals of the first queued measurement and device rows. */
  private mHead: number;
  private dHead: number;
  /** Ordinals of the next derived rows. */
  private mDerived = 0;
  private dDerived = 0;
  private rows = 0;
  private endDerived = false;
  /** When the oldest queued row was derived (ms), for time-triggered flushes. */
  oldestQueuedAt: number | null = null;

  constructor(
    private readonly skip: RowPosition,
    private readonly now: () => number = Date.now,
  ) {
    this.mHead = skip.m;
    this.dHead = skip.d;
  }

  get queuedRows(): number {
    return this.rows;
  }

  get queuedDevices(): number {
    return this.devices.length;
  }

  /** The end rows are queued (or were stored before): nothing more will be derived. */
  get endReached(): boolean {
    return this.endDerived;
  }

  get isEmpty(): boolean {
    return this.rows === 0 && this.devices.length === 0 && this.endRows === null;
  }

  /** Journal offset of the oldest queued measurement row, if any. */
  get oldestQueuedOffset(): number | undefined {
    return this.segments[this.head]?.journalOffset;
  }

  measurement(segment: MeasurementSegment): void {
    const n = segment.values.length;
    const first = this.mDerived;
    this.mDerived += n;
    if (this.mDerived <= this.skip.m || n === 0) return;
    const kept = first < this.skip.m ? sliceSegment(segment, this.skip.m - first, n) : segment;
    this.segments.push(kept);
    this.rows += kept.values.length;
    this.touch();
  }

  device(row: DeviceRow): void {
    if (this.dDerived++ < this.skip.d) return;
    this.devices.push(row);
    this.touch();
  }

  end(rows: EndRows): void {
    this.endDerived = true;
    if (this.skip.end) return;
    this.endRows = rows;
    this.touch();
  }

  /** True once every row of `range` has been derived, so `takeExact(range)` can rebuild it. */
  covers(range: BatchRange): boolean {
    return this.mDerived >= range.m[1] && this.dDerived >= range.d[1] && (!range.end || this.endDerived);
  }

  /** The next batch: up to `maxRows` measurement rows, the queued device rows, and the end rows once all else is taken. */
  take(maxRows: number): Batch {
    const mEnd = this.mHead + Math.min(maxRows, this.rows);
    const dEnd = this.dHead + this.devices.length;
    return this.takeExact({ m: [this.mHead, mEnd], d: [this.dHead, dEnd], end: mEnd === this.mHead + this.rows && this.endRows !== null });
  }

  /** Exactly the rows of `range` (a batch recorded before a restart). */
  takeExact(range: BatchRange): Batch {
    if (range.m[0] !== this.mHead || range.d[0] !== this.dHead) {
      throw new Error(`batch ${JSON.stringify(range)} does not start at the queue's head (${this.mHead}, ${this.dHead})`);
    }
    const segments: MeasurementSegment[] = [];
    let wanted = range.m[1] - range.m[0];
    while (wanted > 0) {
      const segment = this.segments[this.head];
      if (!segment) break;
      if (segment.values.length <= wanted) {
        segments.push(segment);
        wanted -= segment.values.length;
        this.head++;
      } else {
        segments.push(sliceSegment(segment, 0, wanted));
        this.segments[this.head] = sliceSegment(segment, wanted, segment.values.length);
        wanted = 0;
      }
    }
    const measurementRows = range.m[1] - range.m[0] - wanted;
    const devices = this.devices.splice(0, range.d[1] - range.d[0]);
    const end = range.end ? this.endRows : null;
    if (range.end) this.endRows = null;
    this.mHead += measurementRows;
    this.dHead += devices.length;
    this.rows -= measurementRows;
    if (this.head > 1024 && this.head * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.head);
      this.head = 0;
    }
    this.oldestQueuedAt = this.isEmpty ? null : this.now();
    return { range, segments, devices, end, measurementRows };
  }

  private touch(): void {
    this.oldestQueuedAt ??= this.now();
  }
}
