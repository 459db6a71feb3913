/**
 * rex's connection to ClickHouse over its HTTP interface (@clickhouse/client), and the sentences
 * its errors become: a lab user reads "wrong password for user 'rex'", not a stack trace.
 */
import { Readable } from 'node:stream';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { ClickHouseConfig } from '../../protocol/config.js';
import { quoteTableName } from './schema.js';

export type InsertFormat = 'Native' | 'JSONEachRow';

export interface ClickHouseClientOptions {
  /** Per request; a batch insert to a slow server may take a while. */
  requestTimeoutMs?: number;
}

/** `server` (with its scheme) and `port` of the config as one URL, e.g. `http://127.0.0.1:8123`. */
export function endpointUrl(config: Pick<ClickHouseConfig, 'server' | 'port'>): URL {
  const url = new URL(config.server);
  url.port = String(config.port);
  return url;
}

export class RexClickHouse {
  /** Where the server is, without credentials, for messages. */
  readonly url: string;
  private readonly client: ClickHouseClient;

  constructor(
    readonly config: ClickHouseConfig,
    options: ClickHouseClientOptions = {},
  ) {
    const url = endpointUrl(config);
    this.url = `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
    this.client = createClient({
      url: url.origin,
      ...(url.pathname !== '/' ? { pathname: url.pathname } : {}),
      username: config.username,
      password: config.password,
      database: config.database,
      application: 'rex-daq',
      request_timeout: options.requestTimeoutMs ?? 120_000,
      // Localhost or a lab network: float64 data barely compresses, and gzip would cost more CPU than it saves.
      compression: { request: false, response: false },
      // Errors are reported by rex in its own words; the client's console logging would duplicate them.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /** A statement without a result (CREATE, ALTER, ...). */
  async command(query: string, settings: ClickHouseSettings = {}): Promise<void> {
    await this.client.command({ query, clickhouse_settings: settings });
  }

  /** A SELECT whose rows come back as objects. `params` fill `{name:Type}` placeholders. */
  async select<Row>(query: string, params: Record<string, unknown> = {}): Promise<Row[]> {
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: params });
    return result.json<Row>();
  }

  /**
   * Inserts `body` (already in `format`) into `table`. `token` makes the insert idempotent: a
   * retry with the same token and the same data is dropped by the server instead of stored twice
   * (the table must deduplicate: see schema.ts).
   */
  async insert(table: string, format: InsertFormat, body: Buffer | readonly Buffer[], token: string): Promise<void> {
    const settings: ClickHouseSettings = {
      insert_deduplication_token: token,
      insert_deduplicate: 1,
      // A server-side async insert would answer before the data is stored, and dedup tokens then need more settings.
      async_insert: 0,
      ...(format === 'JSONEachRow' ? { date_time_input_format: 'best_effort' as const } : {}),
    };
    const result = await this.client.exec({
      query: `INSERT INTO ${quoteTableName(table)} FORMAT ${format}`,
      values: Readable.from(Buffer.isBuffer(body) ? [body] : [...body], { objectMode: false }),
      clickhouse_settings: settings,
    });
    // The reply body is empty, but it must be read for the socket to be reused.
    for await (const chunk of result.stream) void chunk;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export type ClickHouseErrorKind = 'unreachable' | 'auth' | 'no-database' | 'no-table' | 'server';

export function classifyError(error: unknown): ClickHouseErrorKind {
  if (error instanceof ClickHouseError) {
    switch (Number(error.code)) {
      case 516:
      case 192: // UNKNOWN_USER
      case 193: // WRONG_PASSWORD
      case 194: // REQUIRED_PASSWORD
        return 'auth';
      case 81:
        return 'no-database';
      case 60:
        return 'no-table';
      default:
        return 'server';
    }
  }
  return 'unreachable';
}

/** One readable sentence for what went wrong talking to `client`'s server. */
export function describeError(error: unknown, client: Pick<RexClickHouse, 'url' | 'config'>): string {
  const { url, config } = client;
  if (error instanceof ClickHouseError) {
    const detail = `${error.message.trim()} (code ${error.code}${error.type ? `, ${error.type}` : ''})`;
    switch (classifyError(error)) {
      case 'auth':
        return `ClickHouse at ${url} refused user '${config.username}': wrong username or password (check [click_house_server] username and password). Server said: ${detail}`;
      case 'no-database':
        return `database '${config.database}' does not exist on ClickHouse at ${url} (create it, or fix [click_house_server] database). Server said: ${detail}`;
      case 'no-table':
        return `a rex table is missing on ClickHouse at ${url} (create the tables with \`rex db init\`). Server said: ${detail}`;
      default:
        return `ClickHouse at ${url} failed: ${detail}`;
    }
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = (error as Error | undefined)?.message ?? String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach ClickHouse at ${url}: connection refused (is the server running? check [click_house_server] server and port)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach ClickHouse at ${url}: unknown host (check [click_house_server] server)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `lost the connection to ClickHouse at ${url} (${message})`;
    default:
      if (/timeout/i.test(message)) return `ClickHouse at ${url} did not answer in time (${message})`;
      return `cannot talk to ClickHouse at ${url}: ${message}`;
  }
}
