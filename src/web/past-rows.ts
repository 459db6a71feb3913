/**
 * A past trace's rows for its overlay and waterfall, each asked for as `GET /runs/:id/channel?row=`
 * (downsampled by the server to at most 2000 points). Bounded: a chart asks for at most
 * MAX_OVERLAY rows, at most MAX_ASKING requests are under way for the whole page (the server reads
 * 4 files at once and queues 64), and a row once read is kept (the last MAX_KEPT_ROWS), so a
 * chart's overlay and waterfall, a reload of its options, or another n, ask for no row twice.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api';
import { parsePastSeries } from './past-runs-model';
import type { TraceRow } from './trace-rings';

const MAX_ASKING = 2;
const MAX_KEPT_ROWS = 500;

const kept = new Map<string, Promise<TraceRow>>();
const waiting: Array<() => void> = [];
let asking = 0;

/** Runs `task` once fewer than MAX_ASKING are under way. */
async function inTurn<T>(task: () => Promise<T>): Promise<T> {
  if (asking >= MAX_ASKING) await new Promise<void>((resolve) => waiting.push(resolve));
  asking++;
  try {
    return await task();
  } finally {
    asking--;
    waiting.shift()?.();
  }
}

export const runPath = (id: string): string => `/runs/${encodeURIComponent(id)}`;

function askRow(id: string, device: string, channel: string, row: number): Promise<TraceRow> {
  const key = [id, device, channel, row].join('\u0000');
  let asked = kept.get(key);
  if (asked === undefined) {
    const query = new URLSearchParams({ device, channel, row: String(row) });
    asked = inTurn(() => getJson(`${runPath(id)}/channel?${query}`)).then((json) => {
      const { series } = parsePastSeries(json);
      return { time: Number.NaN, values: series.values, ...(series.index && { index: series.index }) };
    });
    kept.set(key, asked);
    asked.catch(() => kept.delete(key));
    // The oldest rows go first (a Map keeps its order of insertion).
    for (const old of kept.keys()) {
      if (kept.size <= MAX_KEPT_ROWS) break;
      kept.delete(old);
    }
  }
  return asked;
}

/** The rows `first` to `last` (oldest first), as they come; an error, if one failed. */
export function usePastRows(id: string, device: string, channel: string, first: number, last: number, onError: (error: unknown) => void) {
  const [got, setGot] = useState<{ key: string; rows: Map<number, TraceRow>; error: string | null } | null>(null);
  const key = [id, device, channel, first, last].join('\u0000');
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for id, device, channel, first and last
  useEffect(() => {
    let current = true;
    const rows = new Map<number, TraceRow>();
    setGot({ key, rows, error: null });
    for (let r = first; r <= last; r++) {
      askRow(id, device, channel, r)
        .then((row) => {
          rows.set(r, row);
          if (current) setGot({ key, rows, error: null });
        })
        .catch((error: unknown) => {
          if (!current) return;
          onError(error);
          setGot({ key, rows, error: error instanceof Error ? error.message : String(error) });
        });
    }
    return () => {
      current = false;
    };
  }, [key, onError]);
  const mine = got?.key === key ? got : null;
  const rows: TraceRow[] = [];
  for (let r = first; r <= last; r++) {
    const row = mine?.rows.get(r);
    if (row) rows.push(row);
  }
  return { rows, error: mine?.error ?? null, complete: rows.length === last - first + 1 };
}
