/**
 * Makes sure an output directory exists and can take files, before anything starts. Node's
 * `mkdir({ recursive: true })` loops forever on a pseudo-file system (`/proc/x`: ENOENT, then
 * EEXIST for `/proc`, again and again), so the path is walked here one component at a time, and
 * every problem comes back at once as one sentence naming the path.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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

/**
 * Creates `dir` (absolute) and its missing parents, then creates and removes a private file in it.
 * Returns null when files can be written there, else what is wrong, naming the component at fault.
 */
export function prepareOutputDirectory(dir: string): string | null {
  const missing: string[] = [];
  let existing = dir;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(existing);
    } catch (error) {
      // ENOTDIR: a file further up, found as the walk goes on.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `cannot reach ${existing}: ${reason(error)}`;
    }
    if (stat) {
      if (!stat.isDirectory()) return `${existing} is a file, not a directory`;
      break;
    }
    const parent = path.dirname(existing);
    if (parent === existing) return `${existing} does not exist`;
    missing.unshift(existing);
    existing = parent;
  }
  const pseudo = pseudoFileSystem(existing);
  if (pseudo) return `${existing} is on ${pseudo}, a pseudo-file system that cannot hold files`;
  for (const component of missing) {
    try {
      fs.mkdirSync(component);
    } catch (error) {
      // EEXIST: created meanwhile (by another run); fine if it is a directory.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot create ${component}: ${reason(error)}`;
      if (!fs.statSync(component).isDirectory()) return `${component} is a file, not a directory`;
    }
  }
  // 'wx' (O_CREAT | O_EXCL): a file made here, never one reached through a link left under that name.
  const probe = path.join(dir, `.rex-write-test-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx', 0o600));
    fs.unlinkSync(probe);
  } catch (error) {
    return `cannot create a file in it: ${reason(error)}`;
  }
  return null;
}
