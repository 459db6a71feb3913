/**
 * rex's config file read and checked (SPEC §7): its zod schema, the messages, the normalised
 * config (./config.ts). Loaded only when there is a file to read (src/cli/config-file.ts): zod's
 * module and the schemas cost the main thread ~25 ms of every start, and a run with the built-in
 * defaults has nothing to check.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import * as z from 'zod/mini';
import {
  ConfigError,
  DEFAULT_CLICKHOUSE,
  DEFAULT_FROM_ADDRESS,
  defaultConfig,
  describeValue,
  isTable,
  NODE_NAME,
  type RexConfig,
  type Table,
  THEMES,
  type Theme,
} from './config.js';

// ---------------------------------------------------------------------------------------------
// Value schemas, each with a message that says what was expected and what was found.

const got = (expected: string) => (issue: { input?: unknown }) => `${expected}, got ${describeValue(issue.input)}`;

const PORT_EXPECTED = 'expected a port number 1-65535 (integer or digit string)';

/** A port as the original wrote it (a digit string) or as an integer; normalised to a number. */
const portSchema = z.pipe(
  z.unknown(),
  z.transform((value, ctx) => {
    const port = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
    if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
    ctx.issues.push({ code: 'custom', input: value, message: got(PORT_EXPECTED)({ input: value }) });
    return z.NEVER;
  }),
);

const nonEmptyString = z
  .string({ error: got('expected a non-empty string') })
  .check(z.refine((s) => s.trim() !== '', { error: got('expected a non-empty string') }));
/** Passwords may legitimately be empty (ClickHouse's `default` user). */
const anyString = z.string({ error: got('expected a string') });
const bool = z.boolean({ error: got('expected true or false') });
const stringList = z.array(nonEmptyString, { error: got('expected an array of strings') });

function table<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.pipe(z.custom<Table>(isTable, { error: got('expected a table') }), z.object(shape));
}

/** Alias → canonical key in `[click_house_server]`; the aliases are the README's spellings. */
const CLICKHOUSE_ALIASES = {
  experiment_meta_table: 'session_meta_table',
  device_meta_tables: 'device_meta_table',
} as const;

const generalShape = {
  port: z.optional(portSchema),
  interpreter: z.optional(nonEmptyString),
  validations: z.optional(stringList),
  subsampling: z.optional(bool),
  theme: z.optional(nonEmptyString),
  allowed_output_dirs: z.optional(stringList),
};
const generalSchema = table(generalShape);

const emailShape = {
  server: z.optional(nonEmptyString),
  security: z.optional(bool),
  username: z.optional(nonEmptyString),
  password: z.optional(anyString),
  port: z.optional(portSchema),
  from_address: z.optional(nonEmptyString),
  tls_mode: z.optional(z.enum(['implicit', 'starttls'], { error: got('expected "implicit" or "starttls"') })),
  tls_ca_file: z.optional(nonEmptyString),
  tls_reject_unauthorized: z.optional(bool),
};
const emailSchema = table(emailShape).check(
  z.superRefine((email, ctx) => {
    // The original panicked at send time; say it when the file is read.
    if (email.security !== true) return;
    for (const key of ['username', 'password'] as const) {
      if (email[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'required when email_server.security = true' });
      }
    }
  }),
);

const clickHouseShape = {
  server: z.optional(nonEmptyString),
  port: z.optional(portSchema),
  database: z.optional(nonEmptyString),
  username: z.optional(nonEmptyString),
  password: z.optional(anyString),
  measurement_table: z.optional(nonEmptyString),
  session_meta_table: z.optional(nonEmptyString),
  experiment_meta_table: z.optional(nonEmptyString),
  device_meta_table: z.optional(nonEmptyString),
  device_meta_tables: z.optional(nonEmptyString),
  results_table: z.optional(nonEmptyString),
  wait_at_end: z.optional(bool),
};
const clickHouseSchema = table(clickHouseShape).check(
  z.superRefine((ch, ctx) => {
    for (const [alias, canonical] of Object.entries(CLICKHOUSE_ALIASES)) {
      if (ch[alias as keyof typeof ch] !== undefined && ch[canonical] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [alias],
          message: `is another name for click_house_server.${canonical}, which is also set; keep only one`,
        });
      }
    }
  }),
);

const serveShape = {
  token: z.optional(nonEmptyString),
  allowed_output_dirs: z.optional(stringList),
  scripts_dir: z.optional(nonEmptyString),
  cors_origins: z.optional(stringList),
};
const serveSchema = table(serveShape);

const FLEET_URL = /^(nats|tls):\/\/[^\s/]+\/?$/;
const fleetUrl = nonEmptyString.check(
  z.refine((url) => FLEET_URL.test(url), { error: got('expected a nats:// or tls:// URL (host and port, no path)') }),
);
const fleetShape = {
  url: z.union([fleetUrl, z.array(fleetUrl).check(z.minLength(1))], { error: got('expected a nats:// or tls:// URL or an array of them') }),
  node: z.optional(
    z.string().check(z.regex(NODE_NAME, { error: got('expected a station name of letters, digits, "-" and "_" (at most 64)') })),
  ),
  user: z.optional(nonEmptyString),
  password: z.optional(anyString),
  token: z.optional(nonEmptyString),
  nkey_file: z.optional(nonEmptyString),
  creds_file: z.optional(nonEmptyString),
  tls_ca_file: z.optional(nonEmptyString),
  jetstream_domain: z.optional(
    z.string().check(
      z.regex(NODE_NAME, {
        error: got(`expected the hub's JetStream domain (its jetstream { domain }): letters, digits, "-" and "_" (at most 64)`),
      }),
    ),
  ),
};
const fleetSchema = table(fleetShape).check(
  z.superRefine((fleet, ctx) => {
    if ((fleet.user === undefined) !== (fleet.password === undefined)) {
      ctx.addIssue({ code: 'custom', path: [fleet.user === undefined ? 'user' : 'password'], message: 'user and password go together' });
    }
    const kinds = [fleet.user !== undefined, fleet.token !== undefined, fleet.nkey_file !== undefined, fleet.creds_file !== undefined];
    const count = kinds.filter(Boolean).length;
    if (count !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `${count === 0 ? 'needs' : 'takes only one kind of'} credentials: user and password, token, nkey_file or creds_file (control over NATS is never anonymous)`,
      });
    }
  }),
);

const fileSchema = z
  .object({
    general: z.optional(generalSchema),
    email_server: z.optional(emailSchema),
    click_house_server: z.optional(clickHouseSchema),
    serve: z.optional(serveSchema),
    fleet: z.optional(fleetSchema),
  })
  .check(
    z.superRefine((file, ctx) => {
      if (file.general?.allowed_output_dirs !== undefined && file.serve?.allowed_output_dirs !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['serve', 'allowed_output_dirs'],
          message: 'general.allowed_output_dirs is also set; keep only one',
        });
      }
    }),
  );
type ParsedFile = z.output<typeof fileSchema>;

/** Every key the file may hold, per section (aliases included), for unknown-key warnings. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  general: Object.keys(generalShape),
  email_server: Object.keys(emailShape),
  click_house_server: Object.keys(clickHouseShape),
  serve: Object.keys(serveShape),
  fleet: Object.keys(fleetShape),
};

// ---------------------------------------------------------------------------------------------
// Parsing

/** Parses a config file's text; warnings (unknown keys and the like) are discarded. */
export function parseConfig(tomlText: string, filePath: string): RexConfig {
  return parseConfigWithWarnings(tomlText, filePath).config;
}

/**
 * Parses a config file's text into the normalised config.
 * Throws ConfigError (code REX_CONFIG_SYNTAX or REX_CONFIG_INVALID) naming the file and key.
 * Warnings are complete sentences prefixed with the file, ready to log.
 */
export function parseConfigWithWarnings(tomlText: string, filePath: string): { config: RexConfig; warnings: string[] } {
  const raw = parseTomlText(tomlText, filePath);
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({ key: dottedKey(issue.path), message: issue.message }));
    throw new ConfigError('REX_CONFIG_INVALID', filePath, problems);
  }
  const warnings = unknownKeyWarnings(raw).map((w) => `${filePath}: ${w}`);
  const config = normalise(result.data, (w) => warnings.push(`${filePath}: ${w}`));
  return { config, warnings };
}

function parseTomlText(tomlText: string, filePath: string): Table {
  // Editors on Windows may save a byte-order mark, which TOML does not allow.
  const text = tomlText.startsWith('\uFEFF') ? tomlText.slice(1) : tomlText;
  try {
    return parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message is "Invalid TOML document: <reason>\n\n<code excerpt>"; keep both parts.
    const [reason = error.message, excerpt] = error.message.replace(/^Invalid TOML document: /, '').split('\n\n');
    const message = `line ${error.line}, column ${error.column}: invalid TOML: ${reason}${excerpt ? `\n${excerpt}` : ''}`;
    throw new ConfigError('REX_CONFIG_SYNTAX', filePath, [{ key: '', message }], error.line, error.column);
  }
}

function unknownKeyWarnings(raw: Table): string[] {
  const warnings: string[] = [];
  for (const [section, value] of Object.entries(raw)) {
    const known = KNOWN_KEYS[section];
    if (known === undefined) {
      warnings.push(`${dottedKey([section])}: unknown ${isTable(value) ? 'section' : 'key'}, ignored`);
      continue;
    }
    if (!isTable(value)) continue; // already an error
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) warnings.push(`${dottedKey([section, key])}: unknown key, ignored`);
    }
  }
  return warnings;
}

function normalise(file: ParsedFile, warn: (warning: string) => void): RexConfig {
  const config = defaultConfig();
  const general = file.general ?? {};
  config.general = {
    port: general.port ?? config.general.port,
    interpreter: general.interpreter ?? config.general.interpreter,
    validations: general.validations ?? config.general.validations,
    subsampling: general.subsampling ?? config.general.subsampling,
    theme: normaliseTheme(general.theme, warn),
  };

  if (file.email_server) {
    const email = file.email_server;
    const security = email.security ?? false;
    config.email_server = {
      server: email.server ?? 'localhost',
      security,
      port: email.port ?? (security ? 465 : 25),
      from_address: email.from_address ?? DEFAULT_FROM_ADDRESS,
      ...(email.username !== undefined && { username: email.username }),
      ...(email.password !== undefined && { password: email.password }),
      ...(email.tls_mode !== undefined && { tls_mode: email.tls_mode }),
      ...(email.tls_ca_file !== undefined && { tls_ca_file: email.tls_ca_file }),
      ...(email.tls_reject_unauthorized !== undefined && { tls_reject_unauthorized: email.tls_reject_unauthorized }),
    };
  }

  if (file.click_house_server) {
    const ch = file.click_house_server;
    config.click_house_server = {
      server: normaliseServerUrl(ch.server ?? DEFAULT_CLICKHOUSE.server, warn),
      port: ch.port ?? DEFAULT_CLICKHOUSE.port,
      database: ch.database ?? DEFAULT_CLICKHOUSE.database,
      username: ch.username ?? DEFAULT_CLICKHOUSE.username,
      password: ch.password ?? DEFAULT_CLICKHOUSE.password,
      measurement_table: ch.measurement_table ?? DEFAULT_CLICKHOUSE.measurement_table,
      session_meta_table: ch.session_meta_table ?? ch.experiment_meta_table ?? DEFAULT_CLICKHOUSE.session_meta_table,
      device_meta_table: ch.device_meta_table ?? ch.device_meta_tables ?? DEFAULT_CLICKHOUSE.device_meta_table,
      results_table: ch.results_table ?? DEFAULT_CLICKHOUSE.results_table,
      ...(ch.wait_at_end !== undefined && { wait_at_end: ch.wait_at_end }),
    };
  }

  const serve = file.serve ?? {};
  const allowedOutputDirs = serve.allowed_output_dirs ?? general.allowed_output_dirs;
  config.serve = {
    ...(serve.token !== undefined && { token: serve.token }),
    ...(allowedOutputDirs !== undefined && { allowed_output_dirs: allowedOutputDirs }),
    ...(serve.scripts_dir !== undefined && { scripts_dir: serve.scripts_dir }),
    ...(serve.cors_origins !== undefined && { cors_origins: serve.cors_origins }),
  };

  if (file.fleet) {
    const { url, ...rest } = file.fleet;
    config.fleet = { urls: typeof url === 'string' ? [url] : url, ...rest };
  }
  return config;
}

function normaliseTheme(theme: string | undefined, warn: (warning: string) => void): Theme {
  if (theme === undefined) return 'dracula';
  if ((THEMES as readonly string[]).includes(theme)) return theme as Theme;
  // The original silently fell back to its default theme; do the same, but say so.
  warn(`general.theme: unknown theme ${JSON.stringify(theme)}, using "dracula" (known: ${THEMES.join(', ')})`);
  return 'dracula';
}

function normaliseServerUrl(server: string, warn: (warning: string) => void): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) return server;
  // The original built `<server>:<port>` as the URL, so a bare host never worked there.
  warn(`click_house_server.server: ${JSON.stringify(server)} has no scheme, using "http://${server}"`);
  return `http://${server}`;
}

/** `['general', 'validations', 1]` → `general.validations[1]`; odd keys quoted as in TOML. */
function dottedKey(path: readonly PropertyKey[]): string {
  let key = '';
  for (const part of path) {
    if (typeof part === 'number') key += `[${part}]`;
    else {
      const name = String(part);
      const shown = /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
      key += key === '' ? shown : `.${shown}`;
    }
  }
  return key;
}
