/**
 * The interpreter's `--version` for `[session.run]`, kept between runs for an interpreter that is
 * a native executable (`interpreter-version` in the user's cache, src/runtime/user-cache.ts).
 * Asking costs a fork of this whole process and the interpreter's start: 20–40 ms of one of the
 * two cores while the script starts on the other. A native executable's answer is its own, so an
 * entry holds while the file is the same one with the same contents (an upgrade replaces it). A
 * script in its place (a version manager's shim, a wrapper) is asked every time: what it runs can
 * depend on the directory and the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findExecutable } from '../../runtime/executable-path.js';
import { fileIdentity, privateCacheDir, readCacheFile, replaceCacheFile } from '../../runtime/user-cache.js';

/** Interpreters remembered; the one used longest ago goes first. */
const MAX_ENTRIES = 32;
const CACHE_FILE = 'versions.json';

type Entries = Record<string, { key: string; version: string }>;

/** The version `ask()` gives, or the one it gave before for the same native executable. */
export async function interpreterVersion(
  interpreter: string,
  ask: () => Promise<string | null>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  const native = nativeExecutable(interpreter, env);
  const dir = native && privateCacheDir('interpreter-version', env);
  if (!native || !dir) return ask();
  const file = path.join(dir, CACHE_FILE);
  const entries = readEntries(file);
  const known = entries[native.file];
  if (known?.key === native.key) return known.version;
  const version = await ask();
  if (version !== null) {
    delete entries[native.file];
    entries[native.file] = { key: native.key, version };
    replaceCacheFile(file, JSON.stringify(Object.fromEntries(Object.entries(entries).slice(-MAX_ENTRIES))));
  }
  return version;
}

/** ELF, Mach-O (thin or universal) and PE start with these. */
const NATIVE_MAGIC = [
  [0x7f, 0x45, 0x4c, 0x46],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xca, 0xfe, 0xba, 0xbe],
  [0x4d, 0x5a],
];

/** The interpreter's real file and its identity, when it is a native executable. */
function nativeExecutable(interpreter: string, env: NodeJS.ProcessEnv): { file: string; key: string } | null {
  const found = findExecutable(interpreter, env);
  if (!('file' in found)) return null;
  let fd: number | undefined;
  try {
    const file = fs.realpathSync(found.file);
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4);
    const length = fs.readSync(fd, head, 0, 4, 0);
    const native = NATIVE_MAGIC.some((magic) => magic.length <= length && magic.every((byte, i) => head[i] === byte));
    return native ? { file, key: fileIdentity(fs.fstatSync(fd, { bigint: true })) } : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function readEntries(file: string): Entries {
  const text = readCacheFile(file);
  const entries: Entries = {};
  if (text === undefined) return entries;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return entries;
    for (const [interpreterFile, entry] of Object.entries(parsed)) {
      if (typeof entry?.key === 'string' && typeof entry?.version === 'string')
        entries[interpreterFile] = { key: entry.key, version: entry.version };
    }
  } catch {
    // A damaged cache is a cache miss.
  }
  return entries;
}
