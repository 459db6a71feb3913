/**
 * `rex serve`'s scripts directory, made ready at start: created when missing (private, 0700, as
 * rex's other directories of its own), so `GET /allowed_scripts` and `POST /run` have somewhere
 * to look; a path that cannot be one stops the server with a message that names it.
 */
import { createLevels, missingLevels, type WalkProblem } from '../runtime/output-dir.js';
import { UsageError } from './exit-codes.js';

/** Whether the directory had to be created. Throws UsageError naming it when it cannot be used. */
export function ensureScriptsDir(dir: string): boolean {
  const walk = missingLevels(dir);
  if ('kind' in walk) throw scriptsDirError(dir, walk);
  const notCreated = createLevels(walk.missing, 0o700);
  if (notCreated) throw scriptsDirError(dir, notCreated);
  return walk.missing.length > 0;
}

function scriptsDirError(dir: string, problem: WalkProblem): UsageError {
  return new UsageError(`the scripts directory ${dir} (config [serve] scripts_dir) ${scriptsDirReason(dir, problem)}`);
}

function scriptsDirReason(dir: string, problem: WalkProblem): string {
  if (problem.kind === 'unreadable') return `cannot be read: ${(problem.error as Error).message}`;
  if (problem.kind === 'not-created') return `cannot be created: ${(problem.error as Error).message}`;
  return problem.at === dir ? 'is not a directory' : `cannot be created: ${problem.at} is not a directory`;
}
