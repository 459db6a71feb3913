/** Bus payloads of the controller actor (listed in src/bus/topics.ts). */
import type { RunOutcome } from './run-plan.js';

export interface RunIteration {
  phase: 'started' | 'ended';
  loop: number;
  loops: number;
  journalPath: string;
  outputFile?: string | null;
}

/** The run is over; the CLI turns this into a summary and an exit code. */
export type RunFinished = RunOutcome;

/** Ctrl-C / SIGTERM reached rex (a second one forces the stop). */
export type RunInterrupt = Record<string, never>;

/** Answer to `run.current` (served by the main thread): the iteration in progress. */
export interface RunCurrent {
  journalPath: string | null;
  /** 0-based index of the iteration in progress (meaningful when journalPath is set). */
  loop: number;
}

/** The script's process, so the main thread can make sure it never outlives rex. */
export interface RunScript {
  pid: number | null;
}
