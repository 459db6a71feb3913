/**
 * Past runs (docs/serve.md "Past runs"): the output files in the allowed output directories,
 * listed (`GET /runs`), and one of them by its id: its index (`GET /runs/:id`), the file itself
 * (`GET /runs/:id/file`, streamed), a channel's values for a plot (`GET /runs/:id/channel`). An id
 * that names no listed file is 404 (src/runtime/run-file/past-runs.ts). The answers are the
 * server's own (src/runtime/run-file/past-run-answers.ts), or, under `rex serve --fleet`, the
 * chosen station's, which answers with the same code (./fleet-routes.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorReply, jsonReply } from './api-schemas.js';
import { clientGoneSignal, sendAnswer } from './http-util.js';
import type { RouteContext } from './route-context.js';
import {
  ChannelQuerySchema,
  ChannelSeriesSchema,
  DEFAULT_SERIES_POINTS,
  PastRunsSchema,
  RunIdParamsSchema,
  RunIndexSchema,
} from './runs-schemas.js';

const BUSY = errorReply('Too many reads of output files are already waiting; try again.');
const NOT_FOUND = errorReply('The id names no run output file in an allowed output directory.');

export const pastRunRoutes: FastifyPluginAsyncZod<{ context: RouteContext }> = async (app, { context }) => {
  app.get(
    '/runs',
    {
      schema: {
        summary: 'Past runs: the output files in the allowed output directories',
        description: 'Each `*.toml` run output file directly in an allowed output directory (not in its subdirectories), newest first.',
        response: { 200: jsonReply(PastRunsSchema, 'The runs, and the files that could not be read.'), 503: BUSY },
      },
    },
    async (request, reply) => sendAnswer(reply, await context.run(request).files.list()),
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
    async (request, reply) => sendAnswer(reply, await context.run(request).files.index(request.params.id)),
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
      // The server's own file, or a station's pulled over the fleet as the client reads it.
      const download = await context.run(request).files.download(request.params.id);
      if (!('stream' in download)) return sendAnswer(reply, download);
      const { name, bytes, stream } = download;
      // The 200 schema describes the body as text; a stream is sent as it is, not serialised.
      return reply
        .type('application/toml')
        .header('content-length', bytes)
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
      const answer = await context.run(request).files.channel(request.params.id, request.query, clientGoneSignal(request, reply));
      // Its client has gone: nobody to answer.
      return answer === undefined ? reply : sendAnswer(reply, answer);
    },
  );
};

/** `attachment; filename="..."` with an ASCII fallback, and the name itself as RFC 5987 `filename*`. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
