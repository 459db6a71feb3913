/**
 * rex-daq's part of the user's cache, `$XDG_CACHE_HOME/rex-daq` (default `~/.cache/rex-daq`):
 * what is kept between invocations only to save work. A directory there is used only when it is
 * the user's own (theirs, 0700, not a link): on a shared machine nobody else may plant an entry.
 * Entries are written under a private temporary name and renamed into place. Nothing kept here is
 * needed: on any failure the caller does the work instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXCLUSIVE, tempPath } from './atomic-file.js';

const READ_NO_LINK = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0);

/** `<cache>/rex-daq/<name>`, made if missing; null when there is none that is safe to use. */
export function privateCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'rex-daq', name);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    const own = process.getuid === undefined || stat.uid === process.getuid();
    return stat.isDirectory() && own && (stat.mode & 0o077) === 0 ? dir : null;
  } catch {
    return null;
  }
}

/** A cache file's text, never through a link; undefined when it cannot be read. */
export function readCacheFile(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, READ_NO_LINK);
    return fs.readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Replaces `file` with `text` whole (a reader sees the old entry or the new one); failures are ignored. */
export function replaceCacheFile(file: string, text: string): void {
  const temporary = tempPath(path.dirname(file), path.basename(file));
  try {
    const fd = fs.openSync(temporary, EXCLUSIVE, 0o600);
    try {
      fs.writeFileSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * The same file with the same contents, as far as the file system tells: device, inode, size,
 * modification and change times. The change time cannot be set back by anyone.
 */
export const fileIdentity = (s: fs.BigIntStats): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
