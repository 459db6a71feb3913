import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, type RexConfig } from '../../src/protocol/config.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/protocol/config-schema.js';

const FILE = '/home/u/.config/rex/config.toml';

/** The example of SPEC §7, verbatim. */
const SPEC_EXAMPLE = `
[general]
port = "7676"            # string or integer
interpreter = "python3"
validations = ["sample_id"]
[email_server]
server = "smtp.lab.org"
security = true          # true: authenticated TLS (username/password required)
username = "u"
password = "p"
port = "587"             # the original ignored this; honour it
from_address = "Rex <rex@lab.org>"
[click_house_server]
server = "http://127.0.0.1"   # includes the scheme
port = "8123"
database = "default"
username = "default"
password = ""
measurement_table = "measurement_data"
session_meta_table = "session_info"     # README alias: experiment_meta_table
device_meta_table = "device_info"       # README alias: device_meta_tables
results_table = "results_store"
`;

/** The message of the ConfigError thrown by parsing `text`. */
function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('normalises the SPEC example: ports as numbers, every key kept', () => {
    const expected: RexConfig = {
      general: { port: 7676, interpreter: 'python3', validations: ['sample_id'], subsampling: true, theme: 'dracula' },
      email_server: {
        server: 'smtp.lab.org',
        security: true,
        username: 'u',
        password: 'p',
        port: 587,
        from_address: 'Rex <rex@lab.org>',
      },
      click_house_server: {
        server: 'http://127.0.0.1',
        port: 8123,
        database: 'default',
        username: 'default',
        password: '',
        measurement_table: 'measurement_data',
        session_meta_table: 'session_info',
        device_meta_table: 'device_info',
        results_table: 'results_store',
      },
      serve: {},
    };
    const { config, warnings } = parseConfigWithWarnings(SPEC_EXAMPLE, FILE);
    expect(config).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('gives every default for an empty file, the same as defaultConfig()', () => {
    const config = parseConfig('', FILE);
    expect(config).toEqual(defaultConfig());
    expect(config).toEqual({
      general: { port: 7676, interpreter: 'python3', validations: [], subsampling: true, theme: 'dracula' },
      serve: {},
    });
    expect(config.email_server).toBeUndefined();
    expect(config.click_house_server).toBeUndefined();
  });

  it("parses the original's quick-start config (string port, interpreter path, theme)", () => {
    const config = parseConfig('[general]\nport = "7676"\ninterpreter = "/usr/bin/python3"\ntheme = "tokyo-night"\n', FILE);
    expect(config.general).toEqual({
      port: 7676,
      interpreter: '/usr/bin/python3',
      validations: [],
      subsampling: true,
      theme: 'tokyo-night',
    });
  });

  it('accepts an integer port and subsampling = false', () => {
    const config = parseConfig('[general]\nport = 9001\nsubsampling = false\n', FILE);
    expect(config.general.port).toBe(9001);
    expect(config.general.subsampling).toBe(false);
  });

  it('fills a present but sparse [click_house_server] with the init.sql table names', () => {
    const config = parseConfig('[click_house_server]\npassword = "pw"\n', FILE);
    expect(config.click_house_server).toEqual({
      server: 'http://127.0.0.1',
      port: 8123,
      database: 'default',
      username: 'default',
      password: 'pw',
      measurement_table: 'measurement_data',
      session_meta_table: 'session_info',
      device_meta_table: 'device_info',
      results_table: 'results_store',
    });
  });

  it("maps the README's table-name aliases to the canonical keys", () => {
    const config = parseConfig('[click_house_server]\nexperiment_meta_table = "exp_meta"\ndevice_meta_tables = "dev_meta"\n', FILE);
    expect(config.click_house_server?.session_meta_table).toBe('exp_meta');
    expect(config.click_house_server?.device_meta_table).toBe('dev_meta');
  });

  it('defaults the mail port to what the original used: 465 with security, 25 without', () => {
    const secure = parseConfig('[email_server]\nserver = "s"\nsecurity = true\nusername = "u"\npassword = "p"\n', FILE);
    expect(secure.email_server?.port).toBe(465);
    const plain = parseConfig('[email_server]\nserver = "s"\nsecurity = false\n', FILE);
    expect(plain.email_server).toEqual({ server: 's', security: false, port: 25, from_address: 'Rex <rex@localhost>' });
  });

  it('reads allowed_output_dirs from [general], where the original put it, into serve', () => {
    const config = parseConfig('[general]\nallowed_output_dirs = ["/data", "/scratch"]\n', FILE);
    expect(config.serve.allowed_output_dirs).toEqual(['/data', '/scratch']);
  });

  it('reads the [serve] extension', () => {
    const config = parseConfig(
      '[serve]\ntoken = "s3cret"\nallowed_output_dirs = ["/data"]\nscripts_dir = "/opt/scripts"\ncors_origins = ["http://localhost:5173"]\n',
      FILE,
    );
    expect(config.serve).toEqual({
      token: 's3cret',
      allowed_output_dirs: ['/data'],
      scripts_dir: '/opt/scripts',
      cors_origins: ['http://localhost:5173'],
    });
  });

  it('skips a UTF-8 byte-order mark', () => {
    expect(parseConfig('\uFEFF[general]\nport = 8000\n', FILE).general.port).toBe(8000);
  });
});

describe('parseConfig errors name the file, the dotted key and what was expected', () => {
  it('a port that is not digits', () => {
    const error = errorOf('[general]\nport = "abc"\n');
    expect(error.message).toBe(`${FILE}: general.port: expected a port number 1-65535 (integer or digit string), got "abc"`);
    expect(error.code).toBe('REX_CONFIG_INVALID');
    expect(error.problems).toEqual([
      { key: 'general.port', message: 'expected a port number 1-65535 (integer or digit string), got "abc"' },
    ]);
  });

  it.each([
    ['70000', '70000'],
    ['0', '0'],
    ['"65536"', '"65536"'],
    ['"-1"', '"-1"'],
    ['" 7676"', '" 7676"'],
    ['7676.5', '7676.5'],
    ['true', 'true'],
  ])('a port out of range or malformed: %s', (value, shown) => {
    expect(errorOf(`[click_house_server]\nport = ${value}\n`).message).toBe(
      `${FILE}: click_house_server.port: expected a port number 1-65535 (integer or digit string), got ${shown}`,
    );
  });

  it('validations that are not an array of strings', () => {
    expect(errorOf('[general]\nvalidations = "sample_id"\n').message).toBe(
      `${FILE}: general.validations: expected an array of strings, got "sample_id"`,
    );
    expect(errorOf('[general]\nvalidations = ["a", 3]\n').message).toBe(
      `${FILE}: general.validations[1]: expected a non-empty string, got 3`,
    );
  });

  it('security that is not a bool', () => {
    expect(errorOf('[email_server]\nserver = "s"\nsecurity = "yes"\n').message).toBe(
      `${FILE}: email_server.security: expected true or false, got "yes"`,
    );
  });

  it('security = true without credentials (the original panicked when mailing)', () => {
    expect(errorOf('[email_server]\nserver = "s"\nsecurity = true\nusername = "u"\n').message).toBe(
      `${FILE}: email_server.password: required when email_server.security = true`,
    );
  });

  it('an alias given together with its canonical key', () => {
    const error = errorOf('[click_house_server]\nsession_meta_table = "a"\nexperiment_meta_table = "b"\n');
    expect(error.message).toBe(
      `${FILE}: click_house_server.experiment_meta_table: is another name for click_house_server.session_meta_table, which is also set; keep only one`,
    );
    expect(errorOf('[click_house_server]\ndevice_meta_table = "a"\ndevice_meta_tables = "b"\n').message).toContain(
      'click_house_server.device_meta_tables: is another name for click_house_server.device_meta_table',
    );
  });

  it('allowed_output_dirs in both [general] and [serve]', () => {
    expect(errorOf('[general]\nallowed_output_dirs = ["/a"]\n[serve]\nallowed_output_dirs = ["/b"]\n').message).toBe(
      `${FILE}: serve.allowed_output_dirs: general.allowed_output_dirs is also set; keep only one`,
    );
  });

  it('a section that is not a table, and an empty interpreter', () => {
    expect(errorOf('general = 3\n').message).toBe(`${FILE}: general: expected a table, got 3`);
    expect(errorOf('[general]\ninterpreter = ""\n').message).toBe(`${FILE}: general.interpreter: expected a non-empty string, got ""`);
  });

  it('several mistakes: one line each', () => {
    const error = errorOf('[general]\nport = "x"\nsubsampling = 1\n');
    expect(error.message.split('\n')).toEqual([
      `${FILE}: general.port: expected a port number 1-65535 (integer or digit string), got "x"`,
      `${FILE}: general.subsampling: expected true or false, got 1`,
    ]);
  });

  it('a TOML syntax error names the file and the line', () => {
    const error = errorOf('[general]\nport = 7676\ninterpreter = python3\n');
    expect(error.code).toBe('REX_CONFIG_SYNTAX');
    expect(error.line).toBe(3);
    expect(error.message.split('\n')[0]).toMatch(new RegExp(`^${FILE.replace(/[.]/g, '\\.')}: line 3, column \\d+: invalid TOML: .+`));
    // The offending line is quoted under the message.
    expect(error.message).toContain('interpreter = python3');
  });

  it('a duplicated key is a syntax error too', () => {
    const error = errorOf('[general]\nport = 1\nport = 2\n');
    expect(error.code).toBe('REX_CONFIG_SYNTAX');
    expect(error.line).toBe(3);
  });
});

describe('parseConfig warnings', () => {
  it('warns about unknown keys and sections and ignores them', () => {
    const { config, warnings } = parseConfigWithWarnings(
      '[general]\nport = 7000\ncolour = "red"\n[general.extra]\na = 1\n[plotting]\nx = 1\n',
      FILE,
    );
    expect(config.general.port).toBe(7000);
    expect(warnings).toEqual([
      `${FILE}: general.colour: unknown key, ignored`,
      `${FILE}: general.extra: unknown key, ignored`,
      `${FILE}: plotting: unknown section, ignored`,
    ]);
  });

  it('falls back to dracula for an unknown theme, as the original did, and says so', () => {
    const { config, warnings } = parseConfigWithWarnings('[general]\ntheme = "neon"\n', FILE);
    expect(config.general.theme).toBe('dracula');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\/home\/u\/\.config\/rex\/config\.toml: general\.theme: unknown theme "neon", using "dracula"/);
  });

  it('adds http:// to a ClickHouse server without a scheme and says so', () => {
    const { config, warnings } = parseConfigWithWarnings('[click_house_server]\nserver = "db.lab"\n', FILE);
    expect(config.click_house_server?.server).toBe('http://db.lab');
    expect(warnings).toEqual([`${FILE}: click_house_server.server: "db.lab" has no scheme, using "http://db.lab"`]);
  });

  it('accepts a config the original v1.0 wrote into its README (old alias spellings) without warnings', () => {
    const text = `[general]
port = "7676"
interpreter = "/path/to/desired/interpreter"
[click_house_server]
server = "http://server_address"
port = "8123"
username = "your_username"
password = "a_strong_password"
database = "default"
measurement_table = "your_measurement_table"
experiment_meta_table ="your_experiment_meta_data_table"
device_meta_tables = "your_device_meta_table"
`;
    // Sanity: the text really is TOML with those keys.
    expect(Object.keys(parseToml(text).click_house_server as object)).toContain('device_meta_tables');
    const { config, warnings } = parseConfigWithWarnings(text, FILE);
    expect(warnings).toEqual([]);
    expect(config.click_house_server?.session_meta_table).toBe('your_experiment_meta_data_table');
    expect(config.click_house_server?.device_meta_table).toBe('your_device_meta_table');
  });
});

describe('the [fleet] section (docs/fleet.md)', () => {
  it('takes one URL or several, a node name and one kind of credentials', () => {
    expect(parseConfig('[fleet]\nurl = "nats://hub:4222"\ntoken = "t"\n', FILE).fleet).toEqual({ urls: ['nats://hub:4222'], token: 't' });
    const fleet = parseConfig(
      '[fleet]\nurl = ["tls://a:4222", "tls://b:4222"]\nnode = "bench-3"\nuser = "st"\npassword = "pw"\ntls_ca_file = "/etc/ca.pem"\njetstream_domain = "hub"\n',
      FILE,
    ).fleet;
    expect(fleet).toEqual({
      urls: ['tls://a:4222', 'tls://b:4222'],
      node: 'bench-3',
      user: 'st',
      password: 'pw',
      tls_ca_file: '/etc/ca.pem',
      jetstream_domain: 'hub',
    });
    expect(parseConfig('', FILE).fleet).toBeUndefined();
  });

  it('refuses anonymous control, mixed credentials, a bad URL, or a node or JetStream domain that is not a subject token', () => {
    expect(errorOf('[fleet]\nurl = "nats://hub:4222"\n').message).toBe(
      `${FILE}: fleet: needs credentials: user and password, token, nkey_file or creds_file (control over NATS is never anonymous)`,
    );
    expect(errorOf('[fleet]\nurl = "nats://hub:4222"\ntoken = "t"\ncreds_file = "/c"\n').message).toContain(
      'fleet: takes only one kind of credentials',
    );
    expect(errorOf('[fleet]\nurl = "nats://hub:4222"\nuser = "u"\n').message).toContain('fleet.password: user and password go together');
    expect(errorOf('[fleet]\nurl = "http://hub"\ntoken = "t"\n').message).toBe(
      `${FILE}: fleet.url: expected a nats:// or tls:// URL (host and port, no path), got "http://hub"`,
    );
    expect(errorOf('[fleet]\nurl = "nats://hub:4222"\ntoken = "t"\nnode = "a.b"\n').message).toBe(
      `${FILE}: fleet.node: expected a station name of letters, digits, "-" and "_" (at most 64), got "a.b"`,
    );
    expect(errorOf('[fleet]\nurl = "nats://leaf:4222"\ntoken = "t"\njetstream_domain = "lab.hub"\n').message).toBe(
      `${FILE}: fleet.jetstream_domain: expected the hub's JetStream domain (its jetstream { domain }): letters, digits, "-" and "_" (at most 64), got "lab.hub"`,
    );
  });
});
