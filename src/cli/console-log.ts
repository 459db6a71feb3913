/**
 * Prints the bus's `log` entries on stderr, filtered by `-v` (0 error … 2 info (default) … 4 trace).
 */
import type { Subscription } from 'rxjs';
import type { Bus } from '../bus/bus.js';
import type { LogEntry, LogLevel } from '../bus/payloads.js';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };
const LABEL: Record<LogLevel, string> = { error: 'ERROR', warn: 'WARN ', info: 'INFO ', debug: 'DEBUG', trace: 'TRACE' };

/** RUST_LOG_LEVEL handed to the script, as the original mapped its own level. */
export function scriptLogLevel(verbosity: number): string {
  return ['ERROR', 'WARNING', 'INFO', 'DEBUG', 'DEBUG'][Math.max(0, Math.min(4, verbosity))]!;
}

export function formatLogEntry(entry: LogEntry): string {
  return `${new Date(entry.ts).toISOString()} ${LABEL[entry.level]} [${entry.source}] ${entry.message}`;
}

/** The entry's line as printed at verbosity `verbosity`, or null when it is not shown there. */
export function shownLogLine(entry: LogEntry, verbosity: number): string | null {
  return RANK[entry.level] <= verbosity ? formatLogEntry(entry) : null;
}

export function printLogs(
  bus: Bus,
  verbosity: number,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Subscription {
  return bus.on('log').subscribe((entry) => {
    const line = shownLogLine(entry, verbosity);
    if (line !== null) write(line);
  });
}
