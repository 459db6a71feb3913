/**
 * Makes sure an output directory exists and can take files, before anything starts: the path is
 * walked one component at a time (never Node's recursive mkdir), and every problem comes back at
 * once as one sentence naming the path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomHex } from '../protocol/random.js';

/** statfs magic numbers (linux/magic.h) of file systems that are not storage. */
const PSEUDO_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x1cd1, 'devpts'],
  [0xde5e81e4, 'efivarfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x65735543, 'fusectl'],
]);

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'the file system does not allow it',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && REASONS[code] ? `${REASONS[code]} (${code})` : (error as Error).message;
}

/** The pseudo-file system `dir` (an existing directory) is on, if it is on one. */
function pseudoFileSystem(dir: string): string | undefined {
  try {
    return PSEUDO_FILE_SYSTEMS.get(Number(fs.statfsSync(dir).type));
  } catch {
    return undefined;
  }
}

/** Where a directory walk stopped: a file in the way, a level that could not be read or made. */
export type WalkProblem = { kind: 'not-a-directory'; at: string } | { kind: 'unreadable' | 'not-created'; at: string; error: unknown };

/**
 * The nearest existing directory at or above `dir` (absolute) and the levels below it to create,
 * outermost first. Node's `mkdir({ recursive: true })` loops forever on a pseudo-file system
 * (`/proc/x`: ENOENT, then EEXIST for `/proc`, again and again): callers create these one by one.
 */
export function missingLevels(dir: string): { existing: string; missing: string[] } | WalkProblem {
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (error) {
      // ENOTDIR: a file further up, found as the walk goes on.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return { kind: 'unreadable', at, error };
    }
    if (stat) return stat.isDirectory() ? { existing: at, missing } : { kind: 'not-a-directory', at };
    // The root itself missing: no directory at all to start from.
    if (path.dirname(at) === at) return { kind: 'unreadable', at, error: new Error(`${at} does not exist`) };
    missing.unshift(at);
  }
}

/** Creates `levels` (from {@link missingLevels}) in order; a level made meanwhile by another run is fine. */
export function createLevels(levels: readonly string[], mode = 0o777): WalkProblem | null {
  for (const at of levels) {
    try {
      fs.mkdirSync(at, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return { kind: 'not-created', at, error };
      if (!fs.statSync(at).isDirectory()) return { kind: 'not-a-directory', at };
    }
  }
  return null;
}

/** The output directory's wording of a walk problem. */
function outputWalkProblem(problem: WalkProblem): string {
  if (problem.kind === 'not-a-directory') return `${problem.at} is a file, not a directory`;
  const verb = problem.kind === 'unreadable' ? 'reach' : 'create';
  return `cannot ${verb} ${problem.at}: ${reason(problem.error)}`;
}

/**
 * Creates `dir` (absolute) and its missing parents, then creates and removes a private file in it.
 * Returns null when files can be written there, else what is wrong, naming the component at fault.
 */
export function prepareOutputDirectory(dir: string): string | null {
  const walk = missingLevels(dir);
  if ('kind' in walk) return outputWalkProblem(walk);
  const pseudo = pseudoFileSystem(walk.existing);
  if (pseudo) return `${walk.existing} is on ${pseudo}, a pseudo-file system that cannot hold files`;
  const notCreated = createLevels(walk.missing);
  if (notCreated) return outputWalkProblem(notCreated);
  // 'wx' (O_CREAT | O_EXCL): a file made here, never one reached through a link left under that name.
  const probe = path.join(dir, `.rex-write-test-${process.pid}-${randomHex(6)}`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx', 0o600));
    fs.unlinkSync(probe);
  } catch (error) {
    return `cannot create a file in it: ${reason(error)}`;
  }
  return null;
}
