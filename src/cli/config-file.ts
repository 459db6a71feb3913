/**
 * Where rex's config file lives and how it is loaded (SPEC §7), plus the `--config` argument's
 * file and environment variable for the script. The parsing itself is pure, in
 * src/protocol/config-schema.ts and src/protocol/provided-config.ts, each loaded only when there
 * is something to parse: with them comes zod, ~25 ms of the main thread at a run's start.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, defaultConfig, type RexConfig } from '../protocol/config.js';
import { isJsonArgument, ProvidedConfigError } from '../protocol/provided-config-argument.js';

type Env = Record<string, string | undefined>;

/**
 * rex's config directory: `$XDG_CONFIG_HOME/rex` when set (on every platform, as the original),
 * else the OS config dir: `~/.config/rex` (Linux and other Unixes), `~/Library/Application
 * Support/rex` (macOS), `%APPDATA%\rex` (Windows).
 */
export function rexConfigDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  // An empty XDG_CONFIG_HOME means "unset" in the XDG spec (the original would have used "").
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return join(xdg, 'rex');
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'rex');
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'rex');
    default:
      return join(home, '.config', 'rex');
  }
}

export function configFilePath(env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const dir = rexConfigDir(env, platform, home);
  return platform === 'win32' ? path.win32.join(dir, 'config.toml') : path.posix.join(dir, 'config.toml');
}

/** Default folder of the scripts `rex serve` offers (the newest original's `<config dir>/rex/scripts`). */
export function scriptsDirPath(env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const dir = rexConfigDir(env, platform, home);
  return platform === 'win32' ? path.win32.join(dir, 'scripts') : path.posix.join(dir, 'scripts');
}

export interface LoadConfigOptions {
  /** A file named explicitly: it must exist. Without it the usual location is used, and may be absent. */
  path?: string;
  env?: Env;
  platform?: NodeJS.Platform;
  home?: string;
}

export interface LoadedConfig {
  config: RexConfig;
  /** The file read; null when there was none and the defaults apply. */
  path: string | null;
  /** Where the file was looked for (the file read, or the usual location that had none). */
  searched: string;
  warnings: string[];
}

/** The log line that says which config applies: the file, or where none was found. */
export function configSourceLine(loaded: LoadedConfig): string {
  return loaded.path ? `config: ${loaded.path}` : `no config file found at ${loaded.searched}: using the built-in defaults`;
}

/**
 * Loads the config file. A missing file at the usual location is not an error (the original
 * required one): the defaults apply and `path` is null. A file that exists but cannot be read,
 * is not UTF-8 or is invalid throws ConfigError naming the file.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const explicit = opts.path !== undefined;
  const filePath = opts.path ?? configFilePath(opts.env ?? process.env, opts.platform ?? process.platform, opts.home ?? os.homedir());
  let bytes: Buffer;
  try {
    bytes = await readFile(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { config: defaultConfig(), path: null, searched: filePath, warnings: [] };
    throw unreadable(filePath, describeFsError(error));
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw unreadable(filePath, 'the file is not valid UTF-8 text');
  }
  const { parseConfigWithWarnings } = await import('../protocol/config-schema.js');
  const { config, warnings } = parseConfigWithWarnings(text, filePath);
  return { config, path: filePath, searched: filePath, warnings };
}

function unreadable(filePath: string, reason: string): ConfigError {
  return new ConfigError('REX_CONFIG_UNREADABLE', filePath, [{ key: '', message: `cannot read the config file: ${reason}` }]);
}

function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    default:
      return message;
  }
}

// ---------------------------------------------------------------------------------------------
// `rex run --config PATH|JSON`

export type ProvidedConfigEnv = { REX_PROVIDED_CONFIG_PATH: string } | { REX_PROVIDED_OVERWRITE_PATH: string };

export interface PreparedProvidedConfig {
  /** The one variable to add to the script's environment. */
  env: ProvidedConfigEnv;
  /** The TOML file written for a JSON argument (the caller removes it when the run ends). */
  writtenFile?: string;
  warnings: string[];
}

/**
 * Turns a `--config` argument into the script's environment variable. A path must name an
 * existing file and is exported as an absolute path (the script may change directory). JSON is
 * converted to TOML and written to `rex_config_<uuid>.toml` in `dir` (mode 0600: it holds names
 * and e-mail addresses). Throws ProvidedConfigError with a message for the user.
 */
export async function prepareProvidedConfig(arg: string, dir: string, cwd: string = process.cwd()): Promise<PreparedProvidedConfig> {
  if (isJsonArgument(arg)) {
    const { convertProvidedConfigJson } = await import('../protocol/provided-config.js');
    const { toml, warnings } = convertProvidedConfigJson(arg);
    const file = path.resolve(dir, `rex_config_${randomUUID()}.toml`);
    await writeFile(file, toml, { encoding: 'utf8', mode: 0o600, flag: 'wx' });
    return { env: { REX_PROVIDED_OVERWRITE_PATH: file }, writtenFile: file, warnings };
  }
  const file = path.resolve(cwd, arg);
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (error) {
    throw new ProvidedConfigError(`--config: ${JSON.stringify(arg)}: ${describeFsError(error)} (a JSON argument must start with "{")`);
  }
  if (!isFile) throw new ProvidedConfigError(`--config: ${JSON.stringify(arg)}: not a file`);
  return { env: { REX_PROVIDED_CONFIG_PATH: file }, warnings: [] };
}
