/**
 * The run's log as the Live tab shows it: the last SHOWN_LOG_LINES lines, from the `log` events of
 * `GET /events` (`{"id", "first", "lines"}`, docs/serve.md). Lines are numbered in the run's log:
 * lines had already (a reconnect sends the server's tail again) are not shown twice, and lines the
 * server no longer had are shown as one note. Pure.
 */

export const SHOWN_LOG_LINES = 200;

export interface RunLog {
  /** The run these lines are of. */
  id: string | null;
  /** The number of the next line expected. */
  next: number;
  lines: string[];
}

export const emptyLog = (id: string | null): RunLog => ({ id, next: 0, lines: [] });

export const skippedNote = (count: number): string => `… ${count} line${count === 1 ? '' : 's'} not shown …`;

/** The log with a `log` event's lines added; an event of another run, or malformed, changes nothing. */
export function addLogEvent(log: RunLog, json: unknown): RunLog {
  if (typeof json !== 'object' || json === null) return log;
  const { id, first, lines } = json as { id?: unknown; first?: unknown; lines?: unknown };
  if (id !== log.id || typeof first !== 'number' || !Number.isInteger(first) || first < 0 || !Array.isArray(lines)) return log;
  const fresh = lines.slice(Math.max(0, log.next - first)).map(String);
  if (fresh.length === 0) return log;
  const shown = first > log.next ? [...log.lines, skippedNote(first - log.next), ...fresh] : [...log.lines, ...fresh];
  return { id: log.id, next: Math.max(log.next, first + lines.length), lines: shown.slice(-SHOWN_LOG_LINES) };
}
