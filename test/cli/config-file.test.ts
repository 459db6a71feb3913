import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configFilePath,
  configSourceLine,
  loadConfig,
  prepareProvidedConfig,
  rexConfigDir,
  scriptsDirPath,
} from '../../src/cli/config-file.js';
import { ConfigError, defaultConfig } from '../../src/protocol/config.js';
import { ProvidedConfigError } from '../../src/protocol/provided-config-argument.js';

describe('configFilePath', () => {
  it('uses $XDG_CONFIG_HOME on every platform when set', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/rex/config.toml');
    expect(configFilePath({ XDG_CONFIG_HOME: '/xdg' }, 'darwin', '/Users/u')).toBe('/xdg/rex/config.toml');
    expect(configFilePath({ XDG_CONFIG_HOME: 'D:\\cfg', APPDATA: 'C:\\x' }, 'win32', 'C:\\Users\\u')).toBe('D:\\cfg\\rex\\config.toml');
  });

  it('falls back to the OS config dir', () => {
    expect(configFilePath({}, 'linux', '/home/u')).toBe('/home/u/.config/rex/config.toml');
    expect(configFilePath({}, 'freebsd', '/home/u')).toBe('/home/u/.config/rex/config.toml');
    expect(configFilePath({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/rex/config.toml');
    expect(configFilePath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\rex\\config.toml',
    );
    // Without APPDATA, Windows' default roaming folder under the home directory.
    expect(configFilePath({}, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\rex\\config.toml');
  });

  it('treats an empty XDG_CONFIG_HOME as unset', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '' }, 'linux', '/home/u')).toBe('/home/u/.config/rex/config.toml');
  });

  it('puts the scripts folder next to the config file', () => {
    expect(rexConfigDir({}, 'linux', '/home/u')).toBe('/home/u/.config/rex');
    expect(scriptsDirPath({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/rex/scripts');
    expect(scriptsDirPath({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/rex/scripts');
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rex-config-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(text: string | Buffer): Promise<string> {
    const file = path.join(dir, 'rex', 'config.toml');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  }

  it('gives the defaults, and path null, when there is no file; says where it looked', async () => {
    const loaded = await loadConfig({ env: { XDG_CONFIG_HOME: dir } });
    const searched = path.join(dir, 'rex', 'config.toml');
    expect(loaded).toEqual({ config: defaultConfig(), path: null, searched, warnings: [] });
    expect(configSourceLine(loaded)).toBe(`no config file found at ${searched}: using the built-in defaults`);
    const file = await writeConfig('');
    expect(configSourceLine(await loadConfig({ env: { XDG_CONFIG_HOME: dir } }))).toBe(`config: ${file}`);
  });

  it('finds the file through XDG_CONFIG_HOME and parses it', async () => {
    const file = await writeConfig('[general]\nport = "7777"\ninterpreter = "python3.12"\nwhat = 1\n');
    const loaded = await loadConfig({ env: { XDG_CONFIG_HOME: dir } });
    expect(loaded.path).toBe(file);
    expect(loaded.config.general.port).toBe(7777);
    expect(loaded.config.general.interpreter).toBe('python3.12');
    expect(loaded.warnings).toEqual([`${file}: general.what: unknown key, ignored`]);
  });

  it('finds the file under the home directory on Linux', async () => {
    const file = path.join(dir, '.config', 'rex', 'config.toml');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '[general]\nport = 7000\n');
    const loaded = await loadConfig({ env: {}, platform: 'linux', home: dir });
    expect(loaded.path).toBe(file);
    expect(loaded.config.general.port).toBe(7000);
  });

  it('reads an explicit path, and a missing explicit path is an error', async () => {
    const file = path.join(dir, 'custom.toml');
    await writeFile(file, '[general]\nport = 7001\n');
    expect((await loadConfig({ path: file })).config.general.port).toBe(7001);

    const missing = path.join(dir, 'nope.toml');
    await expect(loadConfig({ path: missing })).rejects.toThrow(`${missing}: cannot read the config file: no such file`);
  });

  it('an invalid file is an error naming the file and key', async () => {
    const file = await writeConfig('[general]\nport = "abc"\n');
    const error = await loadConfig({ env: { XDG_CONFIG_HOME: dir } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `${file}: general.port: expected a port number 1-65535 (integer or digit string), got "abc"`,
    );
  });

  it('a file that is not UTF-8 is an error', async () => {
    const file = await writeConfig(Buffer.from([0x5b, 0x67, 0xff, 0xfe, 0x5d, 0x0a]));
    await expect(loadConfig({ env: { XDG_CONFIG_HOME: dir } })).rejects.toThrow(
      `${file}: cannot read the config file: the file is not valid UTF-8 text`,
    );
  });

  it('a directory where the file should be is an error', async () => {
    const file = path.join(dir, 'rex', 'config.toml');
    await mkdir(file, { recursive: true });
    const error = (await loadConfig({ env: { XDG_CONFIG_HOME: dir } }).catch((e: unknown) => e)) as ConfigError;
    expect(error.code).toBe('REX_CONFIG_UNREADABLE');
    expect(error.message).toBe(`${file}: cannot read the config file: it is a directory, not a file`);
  });
});

describe('prepareProvidedConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rex-provided-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exports an existing path, made absolute, as REX_PROVIDED_CONFIG_PATH', async () => {
    await writeFile(path.join(dir, 'exp.toml'), '[device.a]\nx = 1\n');
    const prepared = await prepareProvidedConfig('exp.toml', path.join(dir, 'unused'), dir);
    expect(prepared).toEqual({ env: { REX_PROVIDED_CONFIG_PATH: path.join(dir, 'exp.toml') }, warnings: [] });
  });

  it('writes JSON as a private TOML file exported as REX_PROVIDED_OVERWRITE_PATH', async () => {
    const prepared = await prepareProvidedConfig('{"session_name": "Run 9", "devices": {"a": {"x": 2}}}', dir);
    const file = prepared.writtenFile as string;
    expect(prepared.env).toEqual({ REX_PROVIDED_OVERWRITE_PATH: file });
    expect(path.dirname(file)).toBe(dir);
    expect(path.basename(file)).toMatch(/^rex_config_[0-9a-f-]{36}\.toml$/);
    expect(parseToml(await readFile(file, 'utf8'))).toEqual({
      session: { info: { session_name: 'Run 9' } },
      device: { a: { x: 2 } },
    });
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('a path that does not exist is an error that also explains the JSON form', async () => {
    const error = await prepareProvidedConfig('missing.toml', dir, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvidedConfigError);
    expect((error as Error).message).toBe('--config: "missing.toml": no such file (a JSON argument must start with "{")');
  });

  it('invalid JSON is an error, and no file is written', async () => {
    await expect(prepareProvidedConfig('{"name": }', dir)).rejects.toThrow(/^--config: invalid JSON: /);
    expect(await readdir(dir)).toEqual([]);
  });
});
