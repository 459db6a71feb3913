/**
 * Starts the chdb-backed ClickHouse HTTP server (chdb-http-server.mjs) as a separate process for a
 * test, and talks to it the way any ClickHouse user would: @clickhouse/client over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

const SERVER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'chdb-http-server.mjs');

export interface ChdbServerOptions {
  user?: string;
  password?: string;
  dataDir?: string;
  port?: number;
}

export class ChdbServer {
  readonly user: string;
  readonly password: string;
  readonly dataDir: string;
  port = 0;
  private child: ChildProcess | null = null;
  private client: ClickHouseClient | null = null;
  private readonly ownsDataDir: boolean;

  private constructor(options: ChdbServerOptions) {
    this.user = options.user ?? 'rex';
    this.password = options.password ?? 'secret';
    this.ownsDataDir = options.dataDir === undefined;
    this.dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rex-chdb-'));
    this.port = options.port ?? 0;
  }

  static async start(options: ChdbServerOptions = {}): Promise<ChdbServer> {
    const server = new ChdbServer(options);
    await server.launch();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A rex config `[click_house_server]` section for this server; `extra` adds or overrides keys. */
  configSection(extra: Record<string, string | boolean> = {}, database = 'default'): string {
    const keys: Record<string, string | boolean> = {
      server: 'http://127.0.0.1',
      port: String(this.port),
      database,
      username: this.user,
      password: this.password,
      ...extra,
    };
    return `[click_house_server]\n${Object.entries(keys)
      .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
      .join('\n')}\n`;
  }

  async query<Row>(sql: string): Promise<Row[]> {
    this.client ??= createClient({ url: this.url, username: this.user, password: this.password, log: { level: ClickHouseLogLevel.OFF } });
    return (await this.client.query({ query: sql, format: 'JSONEachRow' })).json<Row>();
  }

  async command(sql: string): Promise<void> {
    this.client ??= createClient({ url: this.url, username: this.user, password: this.password, log: { level: ClickHouseLogLevel.OFF } });
    await this.client.command({ query: sql });
  }

  /** The next `count` data INSERTs are stored, then their connection is dropped without a reply. */
  async loseReplies(count: number): Promise<void> {
    const response = await fetch(`${this.url}/__harness/lose-replies?count=${count}`, { method: 'POST' });
    if (!response.ok) throw new Error(`harness control failed: ${response.status}`);
  }

  /** Every data INSERT the server received, in order. */
  async inserts(): Promise<{ table: string; token: string | null }[]> {
    return (await (await fetch(`${this.url}/__harness/inserts`)).json()) as { table: string; token: string | null }[];
  }

  /** Kills the server process at once (SIGKILL): like a crash or a pulled cable. */
  async kill(): Promise<void> {
    await this.client?.close();
    this.client = null;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on the same port and data directory. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.client?.close();
    this.client = null;
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const child = spawn(
      process.execPath,
      [SERVER_SCRIPT, '--data', this.dataDir, '--port', String(this.port), '--user', this.user, '--password', this.password],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    this.port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`chdb server did not start in time: ${stderr}`)), 60_000);
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chdb server exited (${code}) before listening: ${stderr}`));
      });
    });
  }
}
