/** Kept apart from messages.ts: the run host uses it, and the bus's schemas are not loaded at a run's start. */
import type { ServeRunState } from './messages.js';

/** No run yet: what a server shows before its first run (and a fleet's control point, always). */
export function idleRunState(): ServeRunState {
  return {
    phase: 'idle',
    id: null,
    script: null,
    outputDir: null,
    pid: null,
    port: null,
    startedAt: null,
    endedAt: null,
    exitCode: null,
    signal: null,
    outputFiles: [],
    logFile: null,
    logTail: [],
  };
}
