/**
 * How `rex ls` and `rex show` write a run's start, duration and status (pure).
 */
import type { RunListEntry } from '../runtime/run-file/list-runs.js';
import { formatDuration } from '../host/run/run-summary.js';

/** `2026-12-06 14:52:53` in the local time zone, or '-'. */
export function localTime(iso: string | null, withMs = false): string {
  if (iso === null) return '-';
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ms = withMs ? `.${p(d.getMilliseconds(), 3)}` : '';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${ms}`;
}

/** `4.2 s`; `running` for a live file; '-' when a time cannot be read. */
export function durationText(run: RunListEntry): string {
  if (run.running) return 'running';
  return run.durationSeconds === null ? '-' : formatDuration(run.durationSeconds * 1000);
}

/** `ok`, `exit 1`, or the status as written (`interrupted`, `validation-failed`, …); '-' in the original rex's files. */
export function statusText(run: RunListEntry): string {
  if (run.status === null) return '-';
  if (run.status === 'script-exit' && run.exitCode !== null) return run.exitCode === 0 ? 'ok' : `exit ${run.exitCode}`;
  return run.status;
}
