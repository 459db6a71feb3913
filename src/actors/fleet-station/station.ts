/**
 * A station's link to the fleet hub: it registers in the `rex_stations` KV bucket (a put every
 * third of the TTL, and on every change of its run), answers control requests on its subjects,
 * and deletes its record on a clean stop. Nothing here ever waits in the run's way: the link is
 * made and kept in the background, reconnecting for ever; a hub that is down is logged once per
 * outage, not per retry.
 */
import path from 'node:path';
import type { KV } from '@nats-io/kv';
import { headers, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import {
  type ControlReply,
  heartbeatIntervalMs,
  opOfSubject,
  PART_HEADERS,
  replyLimit,
  STATIONS_BUCKET,
  type StationPart,
  type StationRecord,
  stationSubjects,
} from '../../protocol/fleet/stations.js';
import { connectFleet } from '../../runtime/fleet/connect.js';
import { hubKvm, noJetStream } from '../../runtime/fleet/jetstream.js';
import { listScripts } from '../../runtime/run-control/path-policy.js';
import type { AskableRun } from '../../runtime/run-control/run-answers.js';
import type { StationControl } from './control.js';
import type { FleetStationData } from './messages.js';

/** Between attempts at a first connection (after it, nats.js reconnects by itself). */
const RETRY_MS = 2_000;
/** A clean stop does not wait longer than this for the hub. */
const STOP_WAIT_MS = 2_000;
/** The registry lists at most this many scripts (a KV value stays small). */
const MAX_LISTED_SCRIPTS = 200;
/** The scripts directory is walked again at most this often (not at every put). */
const SCRIPTS_REFRESH_MS = 30_000;

export interface StationRun extends AskableRun {
  script: string | null;
}

export class Station {
  private nc: NatsConnection | null = null;
  private kv: KV | null = null;
  private stopped = false;
  /** The problem last logged; cleared once the link works again. */
  private problem: string | null = null;
  private putting = false;
  private putAgain = false;
  private registeredOnce = false;
  /** Linked to a server now (between a disconnect and its reconnect: not). */
  private connected = false;
  /** The scripts listed in the record, and when the directory was walked. */
  private scripts: { list: string[]; at: number } | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly linked: Promise<void>;

  constructor(
    private readonly data: FleetStationData,
    private readonly control: StationControl,
    private readonly runState: () => StationRun,
    private readonly log: (level: 'info' | 'warn' | 'debug', message: string) => void,
  ) {
    this.timer = setInterval(() => void this.register(), heartbeatIntervalMs(data.ttlMs));
    this.linked = this.keepLinked();
  }

  /** The run changed: the registry says so at once. */
  runChanged(): void {
    void this.register();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    // Cut off from the hub: nothing to say goodbye to (the record ages out); the exit does not wait.
    if (!this.connected) return void (await nc.close());
    await within(STOP_WAIT_MS, async () => {
      if (this.kv && !nc.isClosed()) await this.kv.delete(this.data.node);
      await nc.drain();
    });
    if (!nc.isClosed()) await nc.close();
    await within(STOP_WAIT_MS, () => this.linked);
  }

  private async keepLinked(): Promise<void> {
    const { fleet, node } = this.data;
    while (!this.stopped) {
      let nc: NatsConnection;
      try {
        nc = await connectFleet(fleet, { name: `rex-${this.data.kind}@${node}` });
      } catch (error) {
        this.trouble(`cannot reach the fleet hub (${fleet.urls.join(', ')}): ${(error as Error).message}; retrying; the run goes on`);
        await sleep(RETRY_MS);
        continue;
      }
      if (this.stopped) return void (await nc.close());
      this.nc = nc;
      this.connected = true;
      nc.subscribe(stationSubjects(node), {
        callback: (error, msg) => {
          if (error === null) void this.reply(msg);
        },
      });
      void this.watchStatus(nc);
      await this.register();
      const closed = await nc.closed();
      this.nc = null;
      this.kv = null;
      this.connected = false;
      if (!this.stopped)
        this.trouble(`the link to the fleet hub closed${closed ? `: ${closed.message}` : ''}; reconnecting; the run goes on`);
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.trouble(`lost the fleet hub (${status.server}); reconnecting; the run goes on`);
      } else if (status.type === 'reconnect') {
        this.connected = true;
        void this.register();
      }
    }
  }

  private async reply(msg: Msg): Promise<void> {
    const op = opOfSubject(msg.subject) ?? '';
    const limit = replyLimit(this.nc?.info?.max_payload);
    let answer: ControlReply | StationPart;
    try {
      answer = await this.control.answer(op, msg.data, 'the fleet', limit);
    } catch (error) {
      // As the gateway's error handler: a failing request never takes the station down.
      answer = { status: 500, body: `internal error: ${(error as Error).message}` };
    }
    try {
      if ('bytes' in answer) {
        msg.respond(answer.bytes, { headers: partHeaders(answer) });
        return;
      }
      const text = JSON.stringify(answer);
      // Too large for one message: held, for the asker to pull in parts.
      msg.respond(Buffer.byteLength(text) > limit ? JSON.stringify(this.control.held.hold(text)) : text);
    } catch {
      // The link went meanwhile: the requester times out.
    }
  }

  /** Puts this station's record (one put at a time; a change meanwhile puts again after it). */
  private async register(): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed() || this.stopped) return;
    if (this.putting) {
      this.putAgain = true;
      return;
    }
    this.putting = true;
    try {
      do {
        this.putAgain = false;
        this.kv ??= await hubKvm(nc, this.data.fleet.jetstream_domain).create(STATIONS_BUCKET, { ttl: this.data.ttlMs, history: 1 });
        if (this.stopped) return; // its record is being deleted: no put after that
        await this.kv.put(this.data.node, JSON.stringify(this.record()));
      } while (this.putAgain && !this.stopped);
      if (this.problem !== null || !this.registeredOnce) {
        this.log('info', `fleet: registered as station ${this.data.node} (${this.data.fleet.urls.join(', ')})`);
        this.problem = null;
        this.registeredOnce = true;
      }
    } catch (error) {
      // During an outage puts fail until the reconnect (already logged); other failures are named once.
      if (!nc.isClosed() && !/disconnect|closed/i.test((error as Error).message))
        this.trouble(
          `fleet: cannot register in ${STATIONS_BUCKET}: ${noJetStream(error, this.data.fleet.jetstream_domain) ?? (error as Error).message}`,
        );
    } finally {
      this.putting = false;
    }
  }

  private record(): StationRecord {
    const run = this.runState();
    const { scriptsDir } = this.data;
    if (scriptsDir !== null && (this.scripts === null || Date.now() - this.scripts.at > SCRIPTS_REFRESH_MS)) {
      const files = listScripts(scriptsDir).files.slice(0, MAX_LISTED_SCRIPTS);
      this.scripts = { list: files.map((file) => path.relative(scriptsDir, file)), at: Date.now() };
    }
    const scripts = this.scripts?.list ?? [];
    return {
      node: this.data.node,
      host: this.data.host,
      version: this.data.version,
      kind: this.data.kind,
      scripts,
      scripts_dir: scriptsDir,
      allowed_output_dirs: this.data.allowedOutputDirs,
      run: { id: run.id, phase: run.phase, script: run.script, exit_code: run.exitCode },
      heartbeat: new Date().toISOString(),
    };
  }

  /** Logged once until the link works again. */
  private trouble(message: string): void {
    if (this.problem !== null) return;
    this.problem = message;
    this.log('warn', message);
  }
}

/** What a part's bytes belong to (docs/fleet.md "Large answers and downloads"); the name as a URI component (headers are ASCII). */
function partHeaders(part: StationPart): MsgHdrs {
  const h = headers();
  h.set(PART_HEADERS.total, String(part.total));
  h.set(PART_HEADERS.identity, part.identity);
  if (part.name !== undefined) h.set(PART_HEADERS.name, encodeURIComponent(part.name));
  return h;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `task`, given up on (not cancelled) after `ms`. */
async function within(ms: number, task: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([task().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
