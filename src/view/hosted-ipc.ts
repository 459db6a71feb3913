/**
 * The IPC messages between `rex run -i` (the run, parent) and its TUI (a `rex view --hosted`
 * child process sharing the terminal). Only the run knows its loop counter, its log and when it
 * is over; the data still comes over the run's TCP port like any other view.
 */
import type { LogLine } from './model/tui-state.js';

export type ToView =
  | { type: 'log'; lines: LogLine[] }
  | { type: 'iteration'; phase: 'started' | 'ended'; loop: number; loops: number; outputFile?: string | null }
  | { type: 'paused'; paused: boolean }
  /** The run is over; `lines` summarise it (script exit, output files). */
  | { type: 'finished'; lines: string[] };

/**
 * `ready`: the view listens for messages (anything sent before would be lost);
 * `quit`: the user asked to end the run (q or Ctrl-C in the view).
 */
export type FromView = { type: 'ready' } | { type: 'quit' };

export function isToView(message: unknown): message is ToView {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'log' || type === 'iteration' || type === 'paused' || type === 'finished';
}

export function isFromView(message: unknown): message is FromView {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'quit';
}
