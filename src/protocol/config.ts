/**
 * rex's own config file (SPEC §7): the normalised config, its defaults and its errors; the file's
 * schema and parser are ./config-schema.ts. Pure: the caller reads the file (src/cli/config-file.ts)
 * and hands the text and its path there.
 *
 * Compatible with every config the original accepted (v1.0 and newest): ports as strings,
 * `allowed_output_dirs` under `[general]`, plus the table-name spellings its README showed.
 * Unlike the original, every section and key is optional, unknown keys are warnings, and a
 * mistake names the file, the dotted key and what was expected.
 */

// ---------------------------------------------------------------------------------------------
// The normalised config every other module sees (ports are numbers, defaults filled in).

export interface GeneralConfig {
  /** TCP port of a run (SPEC §1). */
  port: number;
  /** Program that runs the experiment script. */
  interpreter: string;
  /** Keys that must be present and non-empty in the session's `info.meta` (SPEC §3.4). */
  validations: string[];
  /** LTTB reduction of Multi rows in live views (SPEC §6). */
  subsampling: boolean;
  /** TUI colour theme; always one of THEMES (an unknown name falls back to `dracula`). */
  theme: Theme;
}

export interface EmailServerConfig {
  server: string;
  /** true: authenticated TLS, so username and password are present. */
  security: boolean;
  username?: string;
  password?: string;
  /** Defaults to what the original always used: 465 (security) or 25 (plain). */
  port: number;
  from_address: string;
  /** EXTENSION (security = true only): implicit TLS or STARTTLS; absent: implicit on 465, STARTTLS otherwise. */
  tls_mode?: 'implicit' | 'starttls';
  /** EXTENSION: a PEM file of extra CA certificates to trust (a lab CA, a test server). */
  tls_ca_file?: string;
  /** EXTENSION: false accepts any server certificate (tests only; default true). */
  tls_reject_unauthorized?: boolean;
}

export interface ClickHouseConfig {
  /** Base URL including the scheme, e.g. `http://127.0.0.1`. */
  server: string;
  port: number;
  database: string;
  username: string;
  password: string;
  measurement_table: string;
  session_meta_table: string;
  device_meta_table: string;
  results_table: string;
  /** EXTENSION: at the end of a run, wait until every row is in ClickHouse (absent: true). */
  wait_at_end?: boolean;
}

/** EXTENSION: settings of `rex serve`. Absent values mean the serve command's own defaults. */
export interface ServeConfig {
  /** Bearer token required by mutating endpoints. */
  token?: string;
  /** From `[serve]` or, as the original put it, `[general]`. Absent: cwd and home. */
  allowed_output_dirs?: string[];
  /** Absent: `<config dir>/rex/scripts` (see scriptsDirPath in src/cli/config-file.ts). */
  scripts_dir?: string;
  cors_origins?: string[];
}

/**
 * EXTENSION: this station's place in a fleet on NATS JetStream (docs/fleet.md). Exactly one kind
 * of credentials is required: control over NATS is never anonymous.
 */
export interface FleetConfig {
  /** `nats://` or `tls://` URLs of the hub (or of a leaf node beside the station). */
  urls: string[];
  /** The station's name, a NATS subject token; absent: the host name (the caller resolves it). */
  node?: string;
  user?: string;
  password?: string;
  token?: string;
  /** A file holding an nkey seed (`SU...`). */
  nkey_file?: string;
  /** A NATS credentials file (a user JWT and its nkey seed). */
  creds_file?: string;
  /** A PEM file of CA certificates to trust for `tls://`. */
  tls_ca_file?: string;
  /**
   * The hub's JetStream domain (its `jetstream { domain }`): JetStream and KV requests go to
   * `$JS.<domain>.API`, which crosses a leaf node; absent: the server's own JetStream (`$JS.API`).
   */
  jetstream_domain?: string;
}

export interface RexConfig {
  general: GeneralConfig;
  /** Absent: no mail can be sent. */
  email_server?: EmailServerConfig;
  /** Absent: nothing is sent to ClickHouse. */
  click_house_server?: ClickHouseConfig;
  serve: ServeConfig;
  /** Absent: not part of a fleet; nothing changes. */
  fleet?: FleetConfig;
}

/** Themes of the original's TUI (README "TUI Theming"), in kebab-case as written in the file. */
export const THEMES = [
  'dracula',
  'one-dark-pro',
  'nord',
  'catppuccin-mocha',
  'catppuccin-latte',
  'gruvbox-dark',
  'gruvbox-light',
  'tokyo-night',
  'solarized-dark',
  'solarized-light',
  'monokai-pro',
  'rose-pine',
  'kanagawa',
  'everforest',
  'cyberpunk',
] as const;
export type Theme = (typeof THEMES)[number];

export const DEFAULT_PORT = 7676;
export const DEFAULT_CLICKHOUSE: Readonly<ClickHouseConfig> = Object.freeze({
  server: 'http://127.0.0.1',
  port: 8123,
  database: 'default',
  username: 'default',
  password: '',
  // Table names of the original's init.sql (SPEC §9), which users' dashboards query.
  measurement_table: 'measurement_data',
  session_meta_table: 'session_info',
  device_meta_table: 'device_info',
  results_table: 'results_store',
});
export const DEFAULT_FROM_ADDRESS = 'Rex <rex@localhost>';

/** The config used when there is no file: every default. */
export function defaultConfig(): RexConfig {
  return {
    general: { port: DEFAULT_PORT, interpreter: 'python3', validations: [], subsampling: true, theme: 'dracula' },
    serve: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

export type ConfigErrorCode = 'REX_CONFIG_INVALID' | 'REX_CONFIG_SYNTAX' | 'REX_CONFIG_UNREADABLE';

export interface ConfigProblem {
  /** Dotted key, e.g. `general.port` or `general.validations[1]`; '' for the whole file. */
  key: string;
  message: string;
}

/**
 * A config file that cannot be used. `message` is ready to show: one line per problem, each
 * `<file>: <dotted key>: <what was expected>, got <what was found>`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    readonly file: string,
    readonly problems: ConfigProblem[],
    /** TOML syntax errors only. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(problems.map((p) => (p.key ? `${file}: ${p.key}: ${p.message}` : `${file}: ${p.message}`)).join('\n'));
  }
}

// ---------------------------------------------------------------------------------------------
// Shared with the parser (./config-schema.ts)

export type Table = Record<string, unknown>;

export function isTable(value: unknown): value is Table {
  // TOML dates parse to Date objects; they are values, not tables.
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** How a found value is shown in a message: strings quoted, containers by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value instanceof Date) return `a date-time (${value.toISOString()})`;
  if (Array.isArray(value)) return 'an array';
  if (isTable(value)) return 'a table';
  if (value === undefined) return 'nothing';
  return String(value);
}

/** A station name is one NATS subject token: no dots, wildcards or spaces. */
export const NODE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
