/**
 * Past runs (docs/serve.md "Past runs"): the output files in the allowed output directories,
 * listed (`GET /runs`), and one of them by its id: its index (`GET /runs/:id`), the file itself
 * (`GET /runs/:id/file`, streamed), a channel's values for a plot (`GET /runs/:id/channel`). An id
 * that names no listed file is 404 (./past-runs.ts). Files are read asynchronously, a piece at a
 * time, so a long read (seconds for a 5 GB file) leaves the thread free for other requests between
 * pieces; it stops when its client goes.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChannelEntry, RunFileIndex, TomlTable } from '../../protocol/run-file/model.js';
import { tomlToJson } from '../../protocol/run-file/toml-json.js';
import { type ChannelSeries, channelSeries } from '../../runtime/run-file/channel-series.js';
import { runListEntry } from '../../runtime/run-file/list-runs.js';
import { errorReply, jsonReply } from './api-schemas.js';
import { clientGoneSignal, sendError } from './http-util.js';
import { PastRuns } from './past-runs.js';
import type { RouteContext } from './route-context.js';
import { Slots } from '../../runtime/run-control/slots.js';
import {
  type ChannelSeriesBody,
  ChannelQuerySchema,
  ChannelSeriesSchema,
  DEFAULT_SERIES_POINTS,
  PastRunsSchema,
  RunIdParamsSchema,
  RunIndexSchema,
} from './runs-schemas.js';

/** Output files read at once (listing, an index, a channel), and more waiting their turn; downloads are not counted. */
export const MAX_ACTIVE_FILE_READS = 4;
export const MAX_WAITING_FILE_READS = 64;

const BUSY = errorReply('Too many reads of output files are already waiting; try again.');
const NOT_FOUND = errorReply('The id names no run output file in an allowed output directory.');

export const pastRunRoutes: FastifyPluginAsyncZod<{ context: RouteContext }> = async (app, { context }) => {
  const runs = new PastRuns(context.options.data.allowedOutputDirs);
  // Reading an index or a channel holds a few buffers (a trace: two rows) and the disk: a few at once.
  const reads = new Slots(MAX_ACTIVE_FILE_READS, MAX_WAITING_FILE_READS);
  const busy = (reply: FastifyReply) => () =>
    sendError(reply, 503, `more than ${MAX_ACTIVE_FILE_READS + MAX_WAITING_FILE_READS} reads of output files are waiting; try again`);
  const notFound = (reply: FastifyReply, id: string) =>
    sendError(reply, 404, `no run ${JSON.stringify(id)}: the ids are those GET /runs lists`);

  app.get(
    '/runs',
    {
      schema: {
        summary: 'Past runs: the output files in the allowed output directories',
        description: 'Each `*.toml` run output file directly in an allowed output directory (not in its subdirectories), newest first.',
        response: { 200: jsonReply(PastRunsSchema, 'The runs, and the files that could not be read.'), 503: BUSY },
      },
    },
    async (_request, reply) => reads.run(async () => reply.send(await runs.list()), busy(reply)),
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        summary: "One past run's index",
        description: 'Session, devices with their config and channels (unit, shape, count, points, row length), results.',
        params: RunIdParamsSchema,
        response: { 200: jsonReply(RunIndexSchema, 'The index.'), 404: NOT_FOUND, 503: BUSY },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return reads.run(async () => {
        const opened = await runs.open(id);
        if (opened === undefined) return notFound(reply, id);
        await opened.run.close();
        return reply.send(indexBody(opened.run, id, opened.file));
      }, busy(reply));
    },
  );

  app.get(
    '/runs/:id/file',
    {
      schema: {
        summary: "Download a past run's output file",
        params: RunIdParamsSchema,
        response: {
          200: { description: 'The TOML file, as an attachment.', content: { 'application/toml': { schema: z.string() } } },
          404: NOT_FOUND,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const opened = await runs.open(id);
      if (opened === undefined) return notFound(reply, id);
      const { run, handle, name } = opened;
      // The bytes the index was read from (a live file may grow meanwhile); the stream closes the
      // handle. The 200 schema describes the body as text; a stream is sent as it is, not serialised.
      const stream = handle.createReadStream({ start: 0, end: Math.max(0, run.bytes - 1), autoClose: true });
      return reply
        .type('application/toml')
        .header('content-length', run.bytes)
        .header('content-disposition', attachment(name))
        .header('x-content-type-options', 'nosniff')
        .send(stream as unknown as string);
    },
  );

  app.get(
    '/runs/:id/channel',
    {
      schema: {
        summary: "A past run's channel, for a plot",
        description: `A single channel against its index (and its time, with a timestamp per value, or paired with another single channel, \`x\`), or one row of a trace (the last by default) against its point index; all of it, or the points \`from\` to \`to\` (a zoomed chart). Downsampled to at most \`points\` points (default ${DEFAULT_SERIES_POINTS}) by keeping each stretch's smallest and largest value.`,
        params: RunIdParamsSchema,
        querystring: ChannelQuerySchema,
        response: {
          200: jsonReply(ChannelSeriesSchema, 'The series.'),
          400: errorReply('A query value is wrong, or names no device, channel or row of this file (the message names the field).'),
          404: NOT_FOUND,
          503: BUSY,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const query = request.query;
      const gone = clientGoneSignal(request, reply);
      return reads.run(async () => {
        // Its client left while it waited its turn: nobody to answer.
        if (gone.aborted) return reply;
        const opened = await runs.open(id);
        if (opened === undefined) return notFound(reply, id);
        const { run } = opened;
        try {
          const device = run.devices.find((d) => d.name === query.device);
          if (device === undefined)
            return sendError(reply, 400, `device: no device ${JSON.stringify(query.device)} in this run`, { fields: ['device'] });
          const channel = device.channels.find((c) => c.name === query.channel);
          if (channel === undefined) {
            const message = `channel: no channel ${JSON.stringify(query.channel)} in device ${JSON.stringify(device.name)}`;
            return sendError(reply, 400, message, { fields: ['channel'] });
          }
          if (query.row !== undefined && (channel.shape !== 'trace' || query.row >= channel.count)) {
            const why = channel.shape !== 'trace' ? 'a single channel has no rows' : `the channel has ${channel.count} rows, from 0`;
            return sendError(reply, 400, `row: ${why}`, { fields: ['row'] });
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
            if (why !== undefined) return sendError(reply, 400, `x: ${why}`, { fields: ['x'] });
          }
          if (query.from !== undefined && query.to !== undefined && query.to <= query.from)
            return sendError(reply, 400, `to: expected an index greater than from (${query.from}), got ${query.to}`, { fields: ['to'] });
          const series = await channelSeries(run, channel, {
            buckets: Math.floor((query.points ?? DEFAULT_SERIES_POINTS) / 2),
            ...(query.row !== undefined && { row: query.row }),
            ...(query.from !== undefined && { from: query.from }),
            ...(query.to !== undefined && { to: query.to }),
            ...(pairWith !== undefined && { pairWith }),
            signal: gone,
          }).catch((error: unknown) => {
            if (gone.aborted) return undefined;
            throw error;
          });
          // Its client has gone: nobody to answer.
          if (series === undefined) return reply;
          return reply.send(seriesBody(channel, series, pairWith));
        } finally {
          await run.close();
        }
      }, busy(reply));
    },
  );
};

const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

function seriesBody(channel: ChannelEntry, series: ChannelSeries, pairWith: ChannelEntry | undefined): ChannelSeriesBody {
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

/** `attachment; filename="..."` with an ASCII fallback, and the name itself as RFC 5987 `filename*`. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
