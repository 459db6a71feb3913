/**
 * The script's interpreter (config `general.interpreter`), looked up the way the script will be
 * started. Checked before anything starts, so a typo is not found after the listener and the actors.
 */
import { findExecutable } from '../runtime/executable-path.js';

/** What is wrong with `interpreter`, or null when it can be started. */
export function interpreterProblem(interpreter: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const found = findExecutable(interpreter, env);
  return 'problem' in found ? `interpreter ${interpreter} ${found.problem}` : null;
}
