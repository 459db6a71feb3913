/**
 * rex's exit codes (the table in README.md, "Exit codes of `rex run`").
 */
import type { RunOutcome } from '../actors/controller/index.js';

export const EXIT = {
  /** Every iteration ended normally (the script exited 0, or a KILL command ended it) and its file was written. */
  ok: 0,
  /** The script failed: a non-zero exit code or a crash, in at least one iteration. Data is saved. */
  scriptFailed: 1,
  /** Nothing was started: a bad command line or config, a missing script or interpreter, a busy `-P` port, an unusable output directory. */
  usage: 2,
  /** Session validation failed (SPEC §3.4). Data is saved and the file is marked. */
  validationFailed: 3,
  /** rex itself failed (an actor was given up on, a file could not be written). The journal is kept. */
  internal: 4,
  /** Interrupted by Ctrl-C (128 + SIGINT). Data is saved. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + SIGTERM). Data is saved. */
  terminated: 143,
} as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function exitCodeOf(outcome: RunOutcome | undefined, signal: NodeJS.Signals | null): number {
  if (!outcome || outcome.error) return EXIT.internal;
  if (!outcome.dryRun && outcome.iterations.some((it) => it.outputFile === null)) return EXIT.internal;
  if (outcome.iterations.some((it) => it.reason === 'validation-failed')) return EXIT.validationFailed;
  if (signal) return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  const failed = outcome.iterations.some((it) => it.reason === 'script-exit' && it.exitCode !== 0);
  return failed ? EXIT.scriptFailed : EXIT.ok;
}
