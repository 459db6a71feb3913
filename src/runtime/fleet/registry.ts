/**
 * The control point's side of the fleet (docs/fleet.md), shared by `rex fleet` (src/cli/fleet/)
 * and `rex serve --fleet` (the http-gateway): the stations read from the `rex_stations` bucket, and
 * a control request to `rex.station.<node>.<op>` with its `{status, body}` reply.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ControlReply, controlSubject, StationRecord, type StationOp } from '../../protocol/fleet/stations.js';

/** The station is registered but its request got no answer: `why` says how. */
export class StationSilentError extends Error {
  constructor(
    readonly node: string,
    readonly op: StationOp,
    readonly why: string,
  ) {
    super(`station ${node} does not answer ${op} (${why}); it is registered but may have just died`);
  }
}

/** Every registered station, by node name; none when no station has ever registered (no bucket yet). */
export async function listStations(kv: KV): Promise<StationRecord[]> {
  const nodes: string[] = [];
  try {
    for await (const key of await kv.keys()) nodes.push(key);
  } catch (error) {
    if (/stream not found/i.test(describeError(error))) return [];
    throw error;
  }
  const stations: StationRecord[] = [];
  for (const node of nodes.sort()) {
    const entry = await kv.get(node);
    if (entry?.operation === 'PUT') stations.push(StationRecord.parse(entry.json()));
  }
  return stations;
}

/** `node`'s record, or null when it is not registered. */
export async function findStation(kv: KV, node: string): Promise<StationRecord | null> {
  let entry: KvEntry | null;
  try {
    entry = await kv.get(node);
  } catch (error) {
    if (/stream not found|no responders/i.test(describeError(error))) return null;
    throw error;
  }
  return entry === null || entry.operation !== 'PUT' ? null : StationRecord.parse(entry.json());
}

/** Asks `node` for `op` (the body as the HTTP API's); throws StationSilentError when no answer comes. */
export async function askStation(nc: NatsConnection, node: string, op: StationOp, body: string, timeoutMs: number): Promise<ControlReply> {
  try {
    const msg = await nc.request(controlSubject(node, op), body, { timeout: timeoutMs });
    return ControlReply.parse(msg.json());
  } catch (error) {
    const why = errorNames(error).includes('NoRespondersError') ? 'nothing listens on its subjects' : describeError(error);
    throw new StationSilentError(node, op, why);
  }
}

/** The names of an error and its causes (nats.js tells its errors apart by class). */
export function errorNames(error: unknown): string[] {
  const names: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) names.push(e.name, e.constructor.name);
  return names;
}

/** An error's message with its causes'. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) if (!parts.includes(e.message)) parts.push(e.message);
  return parts.join(': ') || String(error);
}
