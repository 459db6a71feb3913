/**
 * The fleet's registry and control names (docs/fleet.md), pure: the KV bucket where stations
 * register, the record each keeps there, the subjects a station answers control requests on, and
 * the envelope of its replies.
 */
import { z } from 'zod';

/** The KV bucket of stations; the key is the station's node name. */
export const STATIONS_BUCKET = 'rex_stations';
/** A station's record lives this long after its last put (the bucket's TTL), unless `REX_FLEET_TTL_MS` says otherwise. */
export const DEFAULT_STATION_TTL_MS = 15_000;
/** A station puts its record this often: three puts per TTL, so one lost put does not drop it. */
export const heartbeatIntervalMs = (ttlMs: number): number => Math.max(100, Math.floor(ttlMs / 3));

/**
 * The operations a station answers, each an endpoint of the HTTP API (docs/serve.md, docs/fleet.md):
 * the run's (`run` ... `datastream_full`), then what `rex serve --fleet` needs to show a station as
 * a server shows its run: `state` (GET /run), `log` (the live log's lines after a cursor, for
 * `GET /events`), `datastream_range` (GET /datastream/full?device=...), `runs`, `run_index`,
 * `run_channel` (GET /runs, /runs/:id, /runs/:id/channel), `allowed_scripts`, `allowed_output_dirs`;
 * and two that carry what does not fit in one message, a part at a time (the asker pulls each):
 * `run_file` (GET /runs/:id/file) and `reply_part` (a large answer, held under a ref).
 */
export const STATION_OPS = [
  'run',
  'pause',
  'continue',
  'kill',
  'status',
  'datastream',
  'datastream_full',
  'state',
  'log',
  'datastream_range',
  'runs',
  'run_index',
  'run_channel',
  'allowed_scripts',
  'allowed_output_dirs',
  'run_file',
  'reply_part',
] as const;
export type StationOp = (typeof STATION_OPS)[number];

export const isStationOp = (op: string): op is StationOp => (STATION_OPS as readonly string[]).includes(op);

/** `rex.station.<node>.<op>`: where a station takes the request `op`. */
export const controlSubject = (node: string, op: StationOp): string => `rex.station.${node}.${op}`;
/** Every control subject of one station (what it subscribes to). */
export const stationSubjects = (node: string): string => `rex.station.${node}.*`;
/** The op of a control subject, or undefined. */
export function opOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  return parts.length === 4 && parts[0] === 'rex' && parts[1] === 'station' ? parts[3] : undefined;
}

export const STATION_KINDS = ['serve', 'run'] as const;

/** What a station keeps under its node name in `rex_stations`. */
export const StationRecord = z.object({
  node: z.string(),
  host: z.string(),
  version: z.string(),
  /** `serve`: `rex serve`, which starts runs; `run`: a lone `rex run`, which starts none. */
  kind: z.enum(STATION_KINDS),
  /** `serve`: the scripts a `run` request may name (relative to `scripts_dir`); `run`: none. */
  scripts: z.array(z.string()),
  scripts_dir: z.string().nullable(),
  allowed_output_dirs: z.array(z.string()),
  /** The current or last run (as `GET /run`: phase idle, starting, running or ended). */
  run: z.object({
    id: z.string().nullable(),
    phase: z.enum(['idle', 'starting', 'running', 'ended']),
    script: z.string().nullable(),
    exit_code: z.number().nullable(),
  }),
  /** ISO 8601 UTC of this put. */
  heartbeat: z.string(),
});
export type StationRecord = z.infer<typeof StationRecord>;

/**
 * A station's reply to a control request: the HTTP status the API would give and its body (a
 * JSON value for JSON answers — the run's own JSON, or `{statusCode, error, message, ...}` for an
 * error of `run` — and a string for text answers).
 */
export const ControlReply = z.object({
  status: z.number().int(),
  body: z.unknown(),
  /** An answer too large for one message: its JSON (`{status, body}`, `size` bytes) is held under `ref`, to be asked for with `reply_part`. */
  held: z.object({ ref: z.string(), size: z.number().int().min(0) }).optional(),
});
export type ControlReply = z.infer<typeof ControlReply>;

/** A lone `rex run` is one run: it starts none (the HTTP API's `rex run --web` answers 409 too). */
export const LONE_RUN_REFUSAL = 'this station is a lone `rex run`: it starts no runs; start runs on a station that runs `rex serve`';

/** `log`'s request: the run the asker knows (null: none) and the number of the first line it lacks. */
export const LogCursor = z.object({ id: z.string().nullable(), after: z.number().int().min(0) });
/** `run_index`'s request: a run id of `runs`' listing. */
export const RunIdRequest = z.object({ id: z.string() });
/** `run_channel`'s request: the run id and `GET /runs/:id/channel`'s query, its values as in a query string. */
export const RunChannelRequest = z.object({ id: z.string(), query: z.record(z.string(), z.string()) });

/** `run_file`'s request: the run, where to read from, and (after the first part) the file's identity its first part gave. */
export const RunFileRequest = z.object({ id: z.string(), offset: z.number().int().min(0), identity: z.string().optional() });
/** `reply_part`'s request: a held answer's ref and where to read from. */
export const ReplyPartRequest = z.object({ ref: z.string(), offset: z.number().int().min(0) });
export type ReplyPartRequest = z.infer<typeof ReplyPartRequest>;

/** A part's bytes are at most this many, and less when the server's `max_payload` asks. */
export const PART_BYTES = 512 * 1024;
/** Room under `max_payload` for a part's headers (and the subject). */
const HEADER_ROOM = 4096;
/** The most a reply carries (a part's bytes, or a whole JSON reply), under the server's `max_payload`. */
export const replyLimit = (maxPayload: number | undefined): number =>
  Math.max(1024, Math.min(PART_BYTES, (maxPayload ?? 1 << 20) - HEADER_ROOM));

/**
 * A part of `run_file` or `reply_part`: raw bytes as the message's data, what they belong to in its
 * headers (a JSON `ControlReply`, an error such as 404, has no such headers).
 */
export interface StationPart {
  bytes: Uint8Array;
  /** The whole's size. */
  total: number;
  /** The file's identity (device, inode, size, modification time): a file replaced meanwhile has another. */
  identity: string;
  /** The file's name (`run_file`). */
  name?: string;
}
export const PART_HEADERS = { total: 'Rex-Total', identity: 'Rex-Identity', name: 'Rex-Name' } as const;
