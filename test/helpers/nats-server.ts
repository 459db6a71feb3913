/**
 * A real `nats-server` (Debian's, 2.9) for a test: loopback only, JetStream on a private temporary
 * store, users with passwords (and, if given, subject permissions). It can be stopped, killed and
 * started again on the same port and store, as an outage of the hub would. A hub may take leaf
 * nodes (with a JetStream domain and an account, as docs/fleet.md "Leaf nodes" configures them),
 * and a server may be such a leaf node of a hub.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface NatsUser {
  user: string;
  password: string;
  /** The `permissions` block of nats-server's config, as its text (absent: everything allowed). */
  permissions?: string;
}

export interface NatsServerOptions {
  users?: NatsUser[];
  /** `jetstream { domain }`: its JetStream is then also `$JS.<domain>.API`, which crosses leaf nodes. */
  domain?: string;
  /** Accept leaf nodes (on a port of their own); the users then live in an account with JetStream, as leaf nodes need. */
  leafnodes?: boolean;
  /** Be a leaf node of `hub` (started with `leafnodes`), linked into its account as `user`, one of the hub's users. */
  leafOf?: { hub: NatsServer; user: NatsUser };
  /** JetStream on this server (default: on; a leaf node may go without). */
  jetstream?: boolean;
  /** `max_payload` in bytes (nats-server's default: 1 MB). */
  maxPayload?: number;
}

/** The account of a hub that takes leaf nodes (and of its leaf nodes): global-account subjects do not cross a leaf link. */
const ACCOUNT = 'LAB';

export const NATS_SERVER = '/usr/sbin/nats-server';

/**
 * A station's user with the permissions docs/fleet.md ("Security") gives it: its own registry key,
 * journal subjects and the JetStream API calls for the bucket and the journal stream; replies to
 * its own control subjects only. With `leafDomain`, the user a leaf node links to the hub as, for a
 * station behind it: the hub checks a leaf link's subjects before it maps the domain's
 * (`$JS.<domain>.API...`), a client's after (so a station on the hub needs the plain subjects,
 * with or without `[fleet] jetstream_domain`).
 */
export function stationUser(node: string, leafDomain?: string): NatsUser {
  const api = leafDomain === undefined ? '$JS.API' : `$JS.${leafDomain}.API`;
  const publish = [
    leafDomain === undefined ? `$KV.rex_stations.${node}` : `${api}.$KV.rex_stations.${node}`,
    `rex.journal.${node}.>`,
    `${api}.INFO`,
    `${api}.STREAM.INFO.KV_rex_stations`,
    `${api}.STREAM.CREATE.KV_rex_stations`,
    `${api}.STREAM.INFO.REX_JOURNAL`,
    `${api}.STREAM.CREATE.REX_JOURNAL`,
    // The leaf's link publishes the replies to control requests: allow_responses does not cover it.
    ...(leafDomain === undefined ? [] : ['_INBOX.>']),
  ];
  return {
    user: node,
    password: `${node}-secret-${PASSWORD_SALT}`,
    permissions: `{ publish: { allow: ${JSON.stringify(publish)} }, subscribe: { allow: ["rex.station.${node}.>", "_INBOX.>"] }, allow_responses: true }`,
  };
}
/**
 * Per test process: a station left over from an earlier test (its script runs on after its server
 * was killed, and it reconnects for ever) must not log into a later hub that got its old port.
 */
const PASSWORD_SALT = Math.random().toString(36).slice(2, 8);
const DEFAULT_USERS: NatsUser[] = [{ user: 'rex', password: 'fleet-secret' }];

export class NatsServer {
  readonly dir: string;
  readonly users: NatsUser[];
  port = 0;
  /** The port leaf nodes link to (with `leafnodes`). */
  leafPort = 0;
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(private readonly options: NatsServerOptions) {
    this.users = options.users ?? DEFAULT_USERS;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-nats-'));
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(options);
    for (let attempt = 1; ; attempt++) {
      server.port = await freePort();
      server.leafPort = options.leafnodes ? await freePort() : 0;
      if (server.leafPort === server.port) continue;
      try {
        await server.launch();
        return server;
      } catch (error) {
        // A port free a moment ago was taken meanwhile (tests run in parallel): choose again.
        if (attempt === 3 || !/address already in use/.test((error as Error).message)) throw error;
      }
    }
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** A rex config `[fleet]` section for this server, as `user` (the first user by default). */
  fleetSection(node: string, user: NatsUser = this.users[0]!, extra: Record<string, string> = {}): string {
    const keys = { url: this.url, node, user: user.user, password: user.password, ...extra };
    return `[fleet]\n${Object.entries(keys)
      .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
      .join('\n')}\n`;
  }

  /** Everything the server printed since it was first started. */
  log(): string {
    return this.output;
  }

  async launch(): Promise<void> {
    if (this.child) throw new Error('nats-server is already running');
    const config = path.join(this.dir, 'nats.conf');
    fs.writeFileSync(config, this.configText(), { mode: 0o600 });
    const child = spawn(NATS_SERVER, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        this.output += chunk.toString();
        if (this.output.includes('Server is ready')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        this.child = null;
        reject(new Error(`nats-server exited (${code ?? signal}) before it was ready:\n${this.output}`));
      });
    });
    const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      await ready;
    } finally {
      clearTimeout(timeout);
    }
    // Each launch appends to the log; only the last "ready" counted above matters for the next.
    this.output += '\n';
    this.output = this.output.replaceAll('Server is ready', 'server was ready');
  }

  /** Stops the server (SIGTERM: a clean shutdown; SIGKILL: a crash of the hub). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
    this.child = null;
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's config file, as docs/fleet.md shows it (the hub, and a leaf node beside a station). */
  configText(): string {
    const { domain, leafnodes, leafOf } = this.options;
    const jetStream = this.options.jetstream ?? true;
    const users = this.users
      .map(
        (u) =>
          `    { user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.password)}${u.permissions ? `, permissions: ${u.permissions}` : ''} }`,
      )
      .join('\n');
    const store = `store_dir: ${JSON.stringify(path.join(this.dir, 'jetstream'))}, max_memory_store: 64MB, max_file_store: 4GB`;
    const lines = [`listen: "127.0.0.1:${this.port}"`, `server_name: ${JSON.stringify(leafOf ? 'leaf' : 'hub')}`];
    if (this.options.maxPayload !== undefined) lines.push(`max_payload: ${this.options.maxPayload}`);
    if (jetStream) lines.push(`jetstream { ${store}${domain === undefined ? '' : `, domain: ${JSON.stringify(domain)}`} }`);
    if (!leafnodes && !leafOf) return [...lines, `authorization { users: [\n${users}\n  ] }`, ''].join('\n');
    const account = `${ACCOUNT} { ${jetStream ? 'jetstream: enabled, ' : ''}users: [\n${users}\n  ] }`;
    if (leafnodes) {
      lines.push(`leafnodes { listen: "127.0.0.1:${this.leafPort}" }`);
      lines.push(`accounts {\n  ${account}\n  SYS { users: [ { user: "sys", password: "sys-secret" } ] }\n}`, 'system_account: SYS');
    }
    if (leafOf) {
      const { hub, user } = leafOf;
      const url = `nats-leaf://${encodeURIComponent(user.user)}:${encodeURIComponent(user.password)}@127.0.0.1:${hub.leafPort}`;
      lines.push(`accounts {\n  ${account}\n}`, `leafnodes { remotes: [ { urls: [${JSON.stringify(url)}], account: "${ACCOUNT}" } ] }`);
    }
    return [...lines, ''].join('\n');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
