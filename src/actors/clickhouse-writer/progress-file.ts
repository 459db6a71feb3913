/**
 * How far a journal's rows are stored in ClickHouse, kept beside the journal
 * (`loop-1.rexj` → `loop-1.clickhouse.json`) so a restarted writer, or `rex db push` later,
 * resumes where the last one stopped.
 *
 * Write-ahead: a batch's ranges are saved as `pending` *before* it is sent, and moved into
 * `committed` once the server confirmed it. A writer that finds a pending batch sends exactly that
 * batch again first, under the same dedup tokens, so a batch that did reach the server before
 * the crash is dropped there rather than stored twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BatchRange, RowPosition } from './row-queue.js';

export interface ProgressState {
  committed: RowPosition;
  pending: BatchRange | null;
  /** Stored measurement rows (for status lines). */
  measurementRows: number;
  /** Journal bytes whose rows are all stored (for status lines). */
  bytesDone: number;
}

const VERSION = 1;

export function progressPathOf(journalPath: string): string {
  return `${journalPath.replace(/\.rexj$/, '')}.clickhouse.json`;
}

export function emptyProgress(): ProgressState {
  return { committed: { m: 0, d: 0, end: false }, pending: null, measurementRows: 0, bytesDone: 0 };
}

export function loadProgress(file: string): ProgressState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return emptyProgress();
  }
  const parsed = JSON.parse(text) as Partial<ProgressState> & { version?: number };
  if (parsed.version !== VERSION || !parsed.committed) throw new Error(`${file}: not a progress file this rex understands`);
  return {
    committed: parsed.committed,
    pending: parsed.pending ?? null,
    measurementRows: parsed.measurementRows ?? parsed.committed.m,
    bytesDone: parsed.bytesDone ?? 0,
  };
}

/** Replaces the file atomically and durably (the pending batch must be known before it is sent). */
export function saveProgress(file: string, state: ProgressState): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  // A leftover of a crashed writer goes first; then the file is created here, never through a link.
  fs.rmSync(temp, { force: true });
  const fd = fs.openSync(temp, 'wx');
  try {
    fs.writeSync(fd, JSON.stringify({ version: VERSION, ...state }));
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}
