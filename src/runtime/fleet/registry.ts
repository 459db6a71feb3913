/**
 * The control point's side of the fleet (docs/fleet.md), shared by `rex fleet` (src/cli/fleet/)
 * and `rex serve --fleet` (the http-gateway): the stations read from the `rex_stations` bucket, and
 * a control request to `rex.station.<node>.<op>` with its `{status, body}` reply.
 */
import type { Bucket, KV, KvEntry } from '@nats-io/kv';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  ControlReply,
  controlSubject,
  PART_HEADERS,
  StationRecord,
  type StationOp,
  type StationPart,
} from '../../protocol/fleet/stations.js';

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
  const nodes = await stationNodes(kv as Bucket); // what Kvm's open() and create() return
  const stations: StationRecord[] = [];
  for (const node of nodes.sort()) {
    const entry = await kv.get(node);
    if (entry?.operation === 'PUT') stations.push(StationRecord.parse(entry.json()));
  }
  return stations;
}

/**
 * The bucket's keys, from the server's list of its stream's subjects, one request (paged when
 * long). Not `kv.keys()`: its consumer also delivers what is put while it reads, and stops when
 * it thinks it has read all, so a station putting its record meanwhile (at every change of its
 * run, at every heartbeat) was listed twice, or others not at all.
 */
async function stationNodes(bucket: Bucket): Promise<string[]> {
  try {
    const info = await bucket.jsm.streams.info(bucket.stream, { subjects_filter: bucket.fullKeyName('>') });
    // As keys() names them: the subject after the bucket's prefix, decoded.
    return Object.keys(info.state.subjects ?? {}).map((subject) => bucket.decodeKey(subject.substring(bucket.prefixLen)));
  } catch (error) {
    if (/stream not found/i.test(describeError(error))) return [];
    throw error;
  }
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

/**
 * Asks `node` for `op` (the body as the HTTP API's); throws StationSilentError when no answer comes.
 * An answer too large for one message is pulled in parts (`reply_part`) and returned whole.
 */
export async function askStation(nc: NatsConnection, node: string, op: StationOp, body: string, timeoutMs: number): Promise<ControlReply> {
  const reply = await askPart(nc, node, op, body, timeoutMs);
  if ('bytes' in reply) throw new StationSilentError(node, op, 'it answered with a part, not a reply');
  return reply.held === undefined ? reply : pullHeld(nc, node, reply.held, timeoutMs);
}

/** The most bytes of a held answer the asker takes (it holds them whole, to parse them). */
const MAX_PULLED_BYTES = 256 * 1024 * 1024;

async function pullHeld(nc: NatsConnection, node: string, held: { ref: string; size: number }, timeoutMs: number): Promise<ControlReply> {
  if (held.size > MAX_PULLED_BYTES)
    return { status: 502, body: `the station's answer (${held.size} bytes) is larger than the ${MAX_PULLED_BYTES} bytes the hub takes` };
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < held.size; ) {
    const part = await askPart(nc, node, 'reply_part', JSON.stringify({ ref: held.ref, offset }), timeoutMs);
    if (!('bytes' in part)) return part;
    if (part.bytes.length === 0 || part.total !== held.size)
      return { status: 502, body: `station ${node} sent a held answer's part that does not fit` };
    parts.push(part.bytes);
    offset += part.bytes.length;
  }
  return ControlReply.parse(JSON.parse(Buffer.concat(parts).toString('utf8')));
}

/** A request whose answer is a part (`run_file`, `reply_part`: raw bytes, docs/fleet.md) or a reply (an error, or any other op's). */
export async function askPart(
  nc: NatsConnection,
  node: string,
  op: StationOp,
  body: string,
  timeoutMs: number,
): Promise<ControlReply | StationPart> {
  let msg: Msg;
  try {
    msg = await nc.request(controlSubject(node, op), body, { timeout: timeoutMs });
  } catch (error) {
    const why = errorNames(error).includes('NoRespondersError') ? 'nothing listens on its subjects' : describeError(error);
    throw new StationSilentError(node, op, why);
  }
  const total = msg.headers?.get(PART_HEADERS.total);
  if (!total) return ControlReply.parse(msg.json());
  const name = msg.headers?.get(PART_HEADERS.name);
  return {
    bytes: msg.data,
    total: Number(total),
    identity: msg.headers?.get(PART_HEADERS.identity) ?? '',
    ...(name && { name: decodeURIComponent(name) }),
  };
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
