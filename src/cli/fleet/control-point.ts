/**
 * The work of `rex fleet ls|status|run|pause|continue|kill|watch` (./../fleet-command.ts declares
 * them): a short NATS connection from `[fleet]`, the registry read from the `rex_stations` bucket,
 * control requests to `rex.station.<node>.<op>`. Exit codes (docs/fleet.md): 0 done, 1 the station
 * answered with an error status, 2 no `[fleet]` or a bad command line, 5 the hub cannot be reached
 * or refused the credentials, 6 no such station, 7 the station does not answer.
 */
import path from 'node:path';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FleetConfig } from '../../protocol/config.js';
import { type ControlReply, STATIONS_BUCKET, StationRecord, type StationOp } from '../../protocol/fleet/stations.js';
import { connectFleet } from '../../runtime/fleet/connect.js';
import { hubKvm, noJetStream } from '../../runtime/fleet/jetstream.js';
import { askStation, describeError, errorNames, findStation, listStations, StationSilentError } from '../../runtime/fleet/registry.js';
import { loadConfig } from '../config-file.js';
import { EXIT, UsageError } from '../exit-codes.js';
import type { FleetOptions, FleetRunOptions } from '../fleet-command.js';

export const FLEET_EXIT = { ...EXIT, stationRefused: 1, hub: 5, unknownStation: 6, noAnswer: 7 } as const;

const DEFAULT_TIMEOUT_S = 10;
/** A run answers once it listens: the station's launcher waits up to 20 s for that. */
const RUN_TIMEOUT_S = 40;
/** How often `watch` reads the station's record (a station puts it on every change of its run). */
const WATCH_POLL_MS = 200;

/** A failure with its exit code, reported as `rex fleet: <message>`. */
class FleetError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export async function fleetLs(options: FleetOptions & { json: boolean }): Promise<number> {
  return withHub(options, async (_nc, kv) => {
    const stations = await listStations(kv);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(stations, null, 2)}\n`);
      return EXIT.ok;
    }
    const now = Date.now();
    const rows = [['NODE', 'HOST', 'KIND', 'RUN', 'PHASE', 'HEARTBEAT']];
    for (const s of stations) {
      rows.push([
        s.node,
        s.host,
        s.kind,
        s.run.id ?? '-',
        s.run.phase,
        `${Math.max(0, Math.round((now - Date.parse(s.heartbeat)) / 1000))}s ago`,
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows)
      process.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    if (stations.length === 0) process.stdout.write('(no station is registered)\n');
    return EXIT.ok;
  });
}

export function fleetAsk(node: string, op: Exclude<StationOp, 'run'>, options: FleetOptions): Promise<number> {
  return withHub(options, (nc, kv) => request(nc, kv, node, op, '', options.timeout ?? DEFAULT_TIMEOUT_S));
}

export function fleetRun(node: string, script: string, options: FleetRunOptions): Promise<number> {
  // The body of POST /run: the station validates it exactly as the HTTP API does.
  const body = {
    path: script,
    ...(options.output !== undefined && { output: options.output }),
    ...(options.loops !== undefined && { loops: options.loops }),
    ...(options.delay !== undefined && { delay: options.delay }),
    ...(options.dryRun !== undefined && { dry_run: options.dryRun }),
    ...(options.email !== undefined && { email: options.email }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.config !== undefined && { config: options.config }),
    ...(options.metaJson !== undefined && { meta_json: options.metaJson }),
  };
  return withHub(options, (nc, kv) => request(nc, kv, node, 'run', JSON.stringify(body), options.timeout ?? RUN_TIMEOUT_S));
}

/**
 * Prints a line each time the station's run changes (from its registry record, read every 200 ms:
 * a KV watch's consumer can end under load), until a run that was seen going, or one that started
 * after the watch did, has ended (exit 0), or the station leaves the registry (exit 7).
 */
export function fleetWatch(node: string, options: FleetOptions): Promise<number> {
  return withHub(options, async (_nc, kv) => {
    const first = await stationRecord(kv, node);
    let going: string | null = null;
    let last = '';
    const show = (record: StationRecord): boolean => {
      const { id, phase, exit_code } = record.run;
      const exit = phase === 'ended' && exit_code !== null ? ` (exit code ${exit_code})` : '';
      const line = `${node}: ${phase === 'idle' ? 'no run' : `run ${id}`} ${phase}${exit}`;
      if (line !== last) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
      last = line;
      if (phase === 'starting' || phase === 'running') going = id;
      // A run that came and went between two reads still counts.
      return phase === 'ended' && (id === going || id !== first.run.id);
    };
    if (show(first)) return EXIT.ok;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS));
      const entry = await kv.get(node);
      if (entry === null || entry.operation !== 'PUT') throw new FleetError(FLEET_EXIT.noAnswer, `station ${node} left the fleet`);
      if (show(StationRecord.parse(entry.json()))) return EXIT.ok;
    }
  });
}

/** Asks `node` for `op`; prints the answer's body (stdout on success, stderr otherwise). */
async function request(nc: NatsConnection, kv: KV, node: string, op: StationOp, body: string, timeoutS: number): Promise<number> {
  await stationRecord(kv, node);
  let reply: ControlReply;
  try {
    reply = await askStation(nc, node, op, body, timeoutS * 1000);
  } catch (error) {
    if (error instanceof StationSilentError) throw new FleetError(FLEET_EXIT.noAnswer, error.message);
    throw error;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  if (reply.status >= 200 && reply.status < 300) {
    process.stdout.write(`${text}\n`);
    return EXIT.ok;
  }
  process.stderr.write(
    `rex fleet: station ${node} answered ${reply.status}: ${typeof reply.body === 'object' && reply.body !== null && 'message' in reply.body ? String(reply.body.message) : text}\n`,
  );
  return FLEET_EXIT.stationRefused;
}

async function stationRecord(kv: KV, node: string): Promise<StationRecord> {
  const record = await findStation(kv, node);
  if (record === null) throw new FleetError(FLEET_EXIT.unknownStation, `no station ${node} in the fleet (rex fleet ls lists them)`);
  return record;
}

/** Connects with `[fleet]`, opens the registry, runs `work`, closes; every failure becomes its exit code and one line. */
async function withHub(options: FleetOptions, work: (nc: NatsConnection, kv: KV) => Promise<number>): Promise<number> {
  const { config } = await loadConfig(options.configFile !== undefined ? { path: path.resolve(options.configFile) } : {});
  if (!config.fleet)
    throw new UsageError("the config has no [fleet] section: rex fleet needs the hub's url and credentials (see docs/fleet.md)");
  const timeoutMs = (options.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  let nc: NatsConnection;
  try {
    nc = await connectFleet(config.fleet, { name: 'rex-fleet-cli', timeoutMs });
  } catch (error) {
    return report(new FleetError(FLEET_EXIT.hub, hubProblem(config.fleet, error)));
  }
  try {
    const kv = await hubKvm(nc, config.fleet.jetstream_domain).open(STATIONS_BUCKET);
    return await work(nc, kv);
  } catch (error) {
    if (error instanceof FleetError) return report(error);
    if (errorNames(error).includes('PermissionViolationError') || /permission/i.test(describeError(error)))
      return report(new FleetError(FLEET_EXIT.hub, `the hub refused: ${describeError(error)} (see the permissions in docs/fleet.md)`));
    const noStream = noJetStream(error, config.fleet.jetstream_domain);
    if (noStream !== null) return report(new FleetError(FLEET_EXIT.hub, noStream));
    throw error;
  } finally {
    await nc.close();
  }
}

function hubProblem(fleet: FleetConfig, error: unknown): string {
  const where = fleet.urls.join(', ');
  const names = errorNames(error);
  const text = describeError(error);
  if (names.includes('AuthorizationError') || /authori[sz]ation|authentication/i.test(text))
    return `the fleet hub (${where}) refused the credentials of [fleet]${fleet.user !== undefined ? ` (user ${JSON.stringify(fleet.user)})` : ''}: ${text}`;
  return `cannot reach the fleet hub (${where}): ${text}`;
}

function report(error: FleetError): number {
  process.stderr.write(`rex fleet: ${error.message}\n`);
  return error.exitCode;
}
