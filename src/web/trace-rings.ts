/**
 * The last rows of each trace channel the page has received (datastream events, and the full
 * rows of `GET /datastream/full`), for the overlay and the waterfall: the server keeps only the
 * newest row, so the page keeps its own small ring. A row is known by its timestamp (the last
 * "Time since first … measurement" of the channel); the full row of a timestamp replaces its
 * reduced one.
 */

/** A channel's data, as ./model.ts's Series (not imported: the root tsconfig checks this file too, for its unit test). */
interface Series {
  values: number[];
  times?: number[];
  index?: number[];
}
type Datastream = Map<string, Map<string, Series>>;

/** The most rows kept per channel: the waterfall's height. */
export const RING_ROWS = 200;

export interface TraceRow {
  /** Seconds since the channel's first measurement, or NaN when the server does not say. */
  time: number;
  values: number[];
  /** Where in the row each value sits (a reduced row); absent: 0, 1, 2, … */
  index?: number[];
}

export class TraceRings {
  private readonly rings = new Map<string, TraceRow[]>();

  /** Rows of `channel`, oldest first. */
  rows(device: string, channel: string): readonly TraceRow[] {
    return this.rings.get(`${device}\u0000${channel}`) ?? [];
  }

  /** Takes the newest row of each trace channel of a datastream (`traces`: which channels are traces). */
  record(stream: Datastream, isTrace: (device: string, channel: string) => boolean): void {
    for (const [device, channels] of stream) {
      for (const [channel, series] of channels) {
        const key = `${device}\u0000${channel}`;
        if (!isTrace(device, channel))
          this.rings.delete(key); // kept while its shape was unknown
        else if (series.values.length > 0) this.add(key, series);
      }
    }
  }

  clear(): void {
    this.rings.clear();
  }

  private add(key: string, series: Series): void {
    const ring = this.rings.get(key) ?? [];
    this.rings.set(key, ring);
    const time = series.times?.at(-1) ?? NaN;
    const row: TraceRow = { time, values: series.values, ...(series.index && { index: series.index }) };
    const last = ring.at(-1);
    if (last !== undefined && (Number.isNaN(time) ? sameValues(last, row) : last.time >= time)) {
      // A row already kept (the full answer can lag behind the events): keep its fuller form.
      const at = ring.findLastIndex((r) => r.time === time);
      if (at >= 0 && row.values.length > ring[at]!.values.length) ring[at] = row;
      else if (Number.isNaN(time) && row.values.length > last.values.length) ring[ring.length - 1] = row;
      return;
    }
    ring.push(row);
    if (ring.length > RING_ROWS) ring.splice(0, ring.length - RING_ROWS);
  }
}

const sameValues = (a: TraceRow, b: TraceRow): boolean =>
  a.values.length === b.values.length && a.values.every((v, i) => Object.is(v, b.values[i]));

/** The page's rings (one page, one run at a time: ./app.tsx clears them for a new run). */
export const traceRings = new TraceRings();
