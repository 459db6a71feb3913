/**
 * Where `POST /run` may read a script from and write output to, enforced by the server (the
 * original listed the allowed directories but only its TUI kept to them). Paths are compared after
 * resolving symbolic links, so a link inside an allowed directory cannot lead out of it.
 */
import fs from 'node:fs';
import path from 'node:path';

export type PolicyResult =
  | { ok: true; path: string }
  | { ok: false; status: 400 | 403; field: 'path' | 'output' | 'config'; message: string };

/** `child` is `parent` or below it. Both absolute and normalised. */
export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The real path of `p`: links resolved in the part that exists, the rest appended as written. */
export function realPathOf(p: string): string {
  const absolute = path.resolve(p);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** The script to run: relative paths are taken from the scripts directory; it must lie inside it. */
export function checkScript(requested: string, scriptsDir: string): PolicyResult {
  return checkFileInScriptsDir(requested, scriptsDir, 'path', 'script');
}

/**
 * A `config` that is a file path (not JSON text), held to the same rule as the script, so that the
 * API does not tell which files exist elsewhere (or feed them to a run).
 */
export function checkConfigFile(requested: string, scriptsDir: string): PolicyResult {
  return checkFileInScriptsDir(requested, scriptsDir, 'config', 'config file');
}

function checkFileInScriptsDir(requested: string, scriptsDir: string, field: 'path' | 'config', what: string): PolicyResult {
  const resolved = path.resolve(scriptsDir, requested);
  if (!isInside(realPathOf(resolved), realPathOf(scriptsDir))) {
    return {
      ok: false,
      status: 403,
      field,
      message: `${field}: ${JSON.stringify(requested)} is outside the scripts directory ${scriptsDir}; this server reads a ${what} only from there (config serve.scripts_dir, listed by GET /allowed_scripts)`,
    };
  }
  const stat = fs.statSync(resolved, { throwIfNoEntry: false });
  if (!stat) return { ok: false, status: 400, field, message: `${field}: no such ${what}: ${resolved}` };
  if (!stat.isFile()) return { ok: false, status: 400, field, message: `${field}: not a file: ${resolved}` };
  return { ok: true, path: resolved };
}

/** The output directory: relative paths are taken from the server's working directory. */
export function checkOutputDir(requested: string | undefined, allowedDirs: readonly string[], cwd: string): PolicyResult {
  if (allowedDirs.length === 0) {
    return {
      ok: false,
      status: 403,
      field: 'output',
      message: 'output: this server allows no output directory (config serve.allowed_output_dirs is empty)',
    };
  }
  const resolved = requested === undefined ? allowedDirs[0]! : path.resolve(cwd, requested);
  const real = realPathOf(resolved);
  if (allowedDirs.some((dir) => isInside(real, realPathOf(dir)))) return { ok: true, path: resolved };
  return {
    ok: false,
    status: 403,
    field: 'output',
    message: `output: ${resolved} is not inside an allowed output directory (${allowedDirs.join(', ')}; config serve.allowed_output_dirs, listed by GET /allowed_output_dirs)`,
  };
}

export interface ScriptListing {
  base_dir: string;
  files: string[];
}

const SCRIPT_EXTENSIONS = new Set(['.py', '.rs', '.m']);
/** The original walked four levels below the scripts directory. */
const MAX_DEPTH = 4;
/** Bounds the answer for a scripts directory that is unexpectedly huge. */
const MAX_FILES = 10_000;

/** The scripts offered by `GET /allowed_scripts`, as the original listed them (.py, .rs, .m; links not followed). */
export function listScripts(scriptsDir: string): ScriptListing {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (files.length >= MAX_FILES) return;
      const full = path.join(dir, entry.name);
      if (entry.isFile() && SCRIPT_EXTENSIONS.has(path.extname(entry.name))) files.push(full);
      else if (entry.isDirectory() && depth < MAX_DEPTH) walk(full, depth + 1);
    }
  };
  walk(scriptsDir, 1);
  return { base_dir: scriptsDir, files };
}
