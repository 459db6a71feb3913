/**
 * A trace chart zoomed in on x: the points of the newest row in that range at full resolution,
 * from `GET /datastream/full?device=…&channel=…&from=…&to=…` (reduced by the server only if the
 * range still holds more than 10,000 points). Asked for when zoomed, then again as newer rows come,
 * at most once a second and one request at a time. Once the run has ended the server has no row
 * to cut (502): the last answer stays.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api';
import { parseDatastream } from './model';
import type { TraceRow } from './trace-rings';
import type { XRange } from './use-uplot';

const MIN_ASK_MS = 1000;

export interface TraceDetail {
  /** The points asked for: [from, to) of the row. */
  from: number;
  to: number;
  row: TraceRow;
  /** Every point of the range came (not reduced by the server). */
  full: boolean;
}

/** The points of a row that cover an x range of its chart. */
export function pointRange(range: XRange): { from: number; to: number } {
  const from = Math.max(0, Math.floor(range.min));
  return { from, to: Math.max(from + 1, Math.ceil(range.max) + 1) };
}

/** `newest`: the time of the newest row the page has (a newer one asks again). */
export function useTraceZoom(device: string, channel: string, zoom: XRange | null, newest: number | undefined): TraceDetail | null {
  const range = zoom === null ? null : pointRange(zoom);
  const key = range === null ? '' : `${range.from}:${range.to}`;
  const [detail, setDetail] = useState<(TraceDetail & { key: string }) | null>(null);
  // A request ended: look again whether a newer row has come meanwhile.
  const [settled, setSettled] = useState(0);
  const asked = useRef<{ busy: AbortController | null; at: number; forRow: number | undefined | null }>({
    busy: null,
    at: 0,
    forRow: null,
  });

  // Another range (or none): what was asked for the last one is dropped.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs for each new range (`key`)
  useEffect(() => {
    const state = asked.current;
    state.at = 0;
    state.forRow = null;
    return () => {
      state.busy?.abort();
      state.busy = null;
    };
  }, [key]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `range` is `key`; `settled` makes it look again
  useEffect(() => {
    const state = asked.current;
    if (range === null || state.busy !== null || (state.forRow !== null && Object.is(state.forRow, newest))) return;
    const timer = setTimeout(
      () => {
        const stop = new AbortController();
        Object.assign(state, { busy: stop, at: Date.now(), forRow: newest });
        const query = new URLSearchParams({ device, channel, from: String(range.from), to: String(range.to) });
        getJson(`/datastream/full?${query}`, stop.signal)
          .then((json) => {
            const series = parseDatastream(json).get(device)?.get(channel);
            if (series === undefined || stop.signal.aborted) return;
            const index = series.index ?? [];
            const row: TraceRow = { time: series.times?.at(-1) ?? Number.NaN, values: series.values, index };
            const full = index.length === 0 || index[index.length - 1]! - index[0]! + 1 === index.length;
            setDetail({ key, ...range, row, full });
          })
          .catch(() => {
            // No row to cut (the run has ended) or no answer: the last detail stays.
          })
          .finally(() => {
            if (state.busy === stop) state.busy = null;
            setSettled((n) => n + 1);
          });
      },
      Math.max(0, state.at + MIN_ASK_MS - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [key, newest, settled, device, channel]);

  return detail !== null && detail.key === key ? detail : null;
}
