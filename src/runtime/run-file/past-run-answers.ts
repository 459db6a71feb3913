/**
 * Past runs (docs/serve.md "Past runs") as answers `{status, body}`: the listing (`GET /runs`),
 * one file's index (`GET /runs/:id`) and a channel's values for a plot (`GET /runs/:id/channel`).
 * The http-gateway's routes send them (src/actors/http-gateway/routes-runs.ts), and a fleet's
 * station answers its `runs`, `run_index` and `run_channel` requests with them
 * (src/actors/fleet-station/), so that a station's past runs read the same through the hub.
 * Files are read asynchronously, a piece at a time; a read stops when its asker goes. A file's
 * download is a stream (`GET /runs/:id/file`), or, for a station, parts its hub pulls one at a
 * time (`run_file`, docs/fleet.md "Large answers and downloads").
 */
import type fs from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { StationPart } from '../../protocol/fleet/stations.js';
import type { ChannelEntry, RunFileIndex, TomlTable } from '../../protocol/run-file/model.js';
import { tomlToJson } from '../../protocol/run-file/toml-json.js';
import { Slots } from '../run-control/slots.js';
import { type ChannelQuery, DEFAULT_SERIES_POINTS } from './channel-query.js';
import { type ChannelSeries, channelSeries } from './channel-series.js';
import { runListEntry } from './list-runs.js';
import { type OpenedRun, PastRuns } from './past-runs.js';

/** Output files read at once (listing, an index, a channel), and more waiting their turn; downloads are not counted. */
export const MAX_ACTIVE_FILE_READS = 4;
export const MAX_WAITING_FILE_READS = 64;

export interface FileAnswer {
  status: number;
  body: unknown;
}

/** An error answer, with the body `sendError` gives (`{statusCode, error, message, fields?}`). */
export function fileError(status: number, message: string, fields?: string[]): FileAnswer {
  return { status, body: { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, ...(fields && { fields }) } };
}

/** A past run's file for `GET /runs/:id/file`: its name, its size and its bytes as a stream. */
export interface RunDownload {
  name: string;
  bytes: number;
  stream: Readable;
}

export class PastRunAnswers {
  readonly runs: PastRuns;
  // Reading an index or a channel holds a few buffers (a trace: two rows) and the disk: a few at once.
  private readonly reads = new Slots(MAX_ACTIVE_FILE_READS, MAX_WAITING_FILE_READS);

  /** `dirs`: the allowed output directories, absolute, as configured. */
  constructor(dirs: readonly string[]) {
    this.runs = new PastRuns(dirs);
  }

  list(): Promise<FileAnswer> {
    return this.read(async () => ({ status: 200, body: await this.runs.list() }));
  }

  index(id: string): Promise<FileAnswer> {
    return this.read(async () => {
      const opened = await this.runs.open(id);
      if (opened === undefined) return notFound(id);
      await opened.run.close();
      return { status: 200, body: indexBody(opened.run, id, opened.file) };
    });
  }

  /** undefined: `signal` fired (the asker left) before the answer was ready. */
  channel(id: string, query: ChannelQuery, signal?: AbortSignal): Promise<FileAnswer | undefined> {
    return this.read(async () => {
      if (signal?.aborted) return undefined;
      const opened = await this.runs.open(id);
      if (opened === undefined) return notFound(id);
      try {
        return await channelAnswer(opened, query, signal);
      } finally {
        await opened.run.close();
      }
    });
  }

  /** `GET /runs/:id/file`: the bytes the index was read from, streamed (the stream closes the file). Not counted with the reads. */
  async download(id: string): Promise<RunDownload | FileAnswer> {
    const opened = await this.runs.open(id);
    if (opened === undefined) return notFound(id);
    const { run, handle, name } = opened;
    const stream = handle.createReadStream({ start: 0, end: Math.max(0, run.bytes - 1), autoClose: true });
    return { name, bytes: run.bytes, stream };
  }

  /**
   * A part of `GET /runs/:id/file` for a fleet's hub (`run_file`): at most `limit` bytes from
   * `offset`. The first part (no `identity`) checks the file as `download` does and gives its size
   * and identity; a later one is read only from the file of that identity (else 409: replaced).
   */
  part(id: string, offset: number, identity: string | undefined, limit: number): Promise<StationPart | FileAnswer> {
    return this.read(async () => {
      if (identity === undefined) {
        const opened = await this.runs.open(id);
        if (opened === undefined) return notFound(id);
        try {
          return await readPart(opened.handle, opened.name, opened.run.bytes, offset, limit, undefined);
        } finally {
          await opened.run.close();
        }
      }
      const opened = await this.runs.openFile(id);
      if (opened === undefined) return changed();
      try {
        return await readPart(opened.handle, opened.name, undefined, offset, limit, identity);
      } finally {
        await opened.handle.close();
      }
    });
  }

  private read<T>(task: () => Promise<T>): Promise<T | FileAnswer> {
    return this.reads.run<T | FileAnswer>(task, () =>
      fileError(503, `more than ${MAX_ACTIVE_FILE_READS + MAX_WAITING_FILE_READS} reads of output files are waiting; try again`),
    );
  }
}

const changed = (): FileAnswer => fileError(409, "the run's file was replaced or removed during the download; download it again");

/** Bytes from `offset` up to `total` (default: the file's size), at most `limit`, from the file of identity `expected` if given. */
async function readPart(
  handle: fs.promises.FileHandle,
  name: string,
  total: number | undefined,
  offset: number,
  limit: number,
  expected: string | undefined,
): Promise<StationPart | FileAnswer> {
  const stat = await handle.stat();
  const identity = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  if (expected !== undefined && identity !== expected) return changed();
  const end = total ?? stat.size;
  if (offset > end) return fileError(400, `offset: past the end of the file (${end} bytes)`, ['offset']);
  const bytes = Buffer.alloc(Math.min(limit, end - offset));
  let filled = 0;
  while (filled < bytes.length) {
    const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, offset + filled);
    if (bytesRead === 0) return changed();
    filled += bytesRead;
  }
  return { bytes, total: end, identity, name };
}

const notFound = (id: string): FileAnswer => fileError(404, `no run ${JSON.stringify(id)}: the ids are those GET /runs lists`);

async function channelAnswer({ run }: OpenedRun, query: ChannelQuery, signal?: AbortSignal): Promise<FileAnswer | undefined> {
  const device = run.devices.find((d) => d.name === query.device);
  if (device === undefined) return fileError(400, `device: no device ${JSON.stringify(query.device)} in this run`, ['device']);
  const channel = device.channels.find((c) => c.name === query.channel);
  if (channel === undefined)
    return fileError(400, `channel: no channel ${JSON.stringify(query.channel)} in device ${JSON.stringify(device.name)}`, ['channel']);
  if (query.row !== undefined && (channel.shape !== 'trace' || query.row >= channel.count)) {
    const why = channel.shape !== 'trace' ? 'a single channel has no rows' : `the channel has ${channel.count} rows, from 0`;
    return fileError(400, `row: ${why}`, ['row']);
  }
  const pairWith = query.x === undefined ? undefined : device.channels.find((c) => c.name === query.x);
  if (query.x !== undefined) {
    const why =
      channel.shape !== 'single'
        ? 'a trace has no x channel; pair two single channels'
        : pairWith === undefined
          ? `no channel ${JSON.stringify(query.x)} in device ${JSON.stringify(device.name)}`
          : pairWith.shape !== 'single'
            ? `${JSON.stringify(query.x)} is a trace; an x axis is a single channel`
            : undefined;
    if (why !== undefined) return fileError(400, `x: ${why}`, ['x']);
  }
  if (query.from !== undefined && query.to !== undefined && query.to <= query.from)
    return fileError(400, `to: expected an index greater than from (${query.from}), got ${query.to}`, ['to']);
  const series = await channelSeries(run, channel, {
    buckets: Math.floor((query.points ?? DEFAULT_SERIES_POINTS) / 2),
    ...(query.row !== undefined && { row: query.row }),
    ...(query.from !== undefined && { from: query.from }),
    ...(query.to !== undefined && { to: query.to }),
    ...(pairWith !== undefined && { pairWith }),
    ...(signal !== undefined && { signal }),
  }).catch((error: unknown) => {
    if (signal?.aborted) return undefined;
    throw error;
  });
  // Its asker has gone: nobody to answer.
  if (series === undefined) return undefined;
  return { status: 200, body: seriesBody(channel, series, pairWith) };
}

const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

function seriesBody(channel: ChannelEntry, series: ChannelSeries, pairWith: ChannelEntry | undefined) {
  return {
    device: channel.device,
    channel: channel.name,
    unit: channel.unit,
    shape: channel.shape,
    count: channel.count,
    row: series.row,
    length: series.length,
    from: series.from,
    to: series.to,
    downsampled: series.xs.length < series.to - series.from,
    x: series.xs,
    time: series.times,
    y: series.ys.map(jsonNumber),
    paired: pairWith && series.paired ? { channel: pairWith.name, unit: pairWith.unit, values: series.paired.map(jsonNumber) } : null,
  };
}

/** `file`: as GET /runs lists it, in the allowed directory as configured (not its real path). */
function indexBody(index: RunFileIndex, id: string, file: string) {
  const table = (t: TomlTable) => JSON.parse(tomlToJson(t)) as Record<string, unknown>;
  const { session } = index;
  return {
    run: { id, ...runListEntry(index), file },
    session: {
      uuid: session.uuid ?? null,
      start_time: session.startTime ?? null,
      end_time: session.endTime ?? null,
      info: table(session.info),
      run: table(session.run),
    },
    devices: index.devices.map((d) => ({
      name: d.name,
      config: table(d.config),
      channels: d.channels.map((c) => ({
        name: c.name,
        unit: c.unit,
        shape: c.shape,
        count: c.count,
        points: c.points,
        rowLength: c.rowLength,
        timestamps: c.timestampCount,
      })),
    })),
    results: index.results.map((r) => ({ name: r.name, pass: r.pass ?? null, fields: table(r.fields) })),
  };
}
