/**
 * The past-runs endpoints' requests and answers as zod schemas (./routes-runs.ts; they appear in
 * GET /openapi.json): the listing, one file's index, a channel's series. Pure.
 */
import { z } from 'zod';

const ChannelSummarySchema = z.object({
  name: z.string(),
  unit: z.string(),
  shape: z.enum(['single', 'trace']),
  count: z.number().int().describe('Values (single) or rows (trace).'),
});

export const PastRunSchema = z
  .object({
    id: z.string().describe('Names the file in the other /runs endpoints; opaque (base64url of "<dir index>/<file name>").'),
    file: z.string().describe('The allowed output directory joined with the file name.'),
    session: z.string().nullable().describe('[session.info] session_name.'),
    uuid: z.string().nullable(),
    start: z.string().nullable().describe('RFC 3339, UTC.'),
    end: z.string().nullable().describe('RFC 3339, UTC; null while the run goes on.'),
    durationSeconds: z.number().nullable(),
    running: z.boolean().describe('A live file: end_time "" and status running.'),
    status: z
      .string()
      .nullable()
      .describe("[session.run] status as written (script-exit, interrupted, ...); null in the original's files."),
    exitCode: z.number().int().nullable(),
    devices: z.array(z.object({ name: z.string(), channels: z.array(ChannelSummarySchema) })),
    results: z.array(z.object({ name: z.string(), pass: z.boolean().nullable() })),
    bytes: z.number().int(),
  })
  .describe('One output file, as `rex ls --json` lists it (docs/export.md), with its id.');

export const PastRunsSchema = z
  .object({
    runs: z.array(PastRunSchema).describe('Newest first.'),
    problems: z.array(z.string()).describe('`<file>: <why>` for each file (or directory) that could not be read.'),
  })
  .describe('The output files directly in the allowed output directories.');

const TomlTableSchema = z.record(z.string(), z.unknown()).describe('A TOML table as JSON: NaN and ±infinity as "nan", "inf", "-inf".');

export const RunIndexSchema = z
  .object({
    run: PastRunSchema,
    session: z.object({
      uuid: z.string().nullable(),
      start_time: z.string().nullable().describe('As written.'),
      end_time: z.string().nullable().describe('As written; "" while the run goes on.'),
      info: TomlTableSchema.describe('[session.info], with meta.'),
      run: TomlTableSchema.describe("[session.run]; empty in the original's files."),
    }),
    devices: z.array(
      z.object({
        name: z.string(),
        config: TomlTableSchema.describe('The device table without its data and timestamps.'),
        channels: z.array(
          ChannelSummarySchema.extend({
            points: z.number().int().describe('All values: count (single), the sum of the row lengths (trace).'),
            rowLength: z.number().int().nullable().describe('A trace whose rows all have one length: that length.'),
            timestamps: z.number().int().describe("Entries of the channel's timestamps."),
          }),
        ),
      }),
    ),
    results: z.array(z.object({ name: z.string(), pass: z.boolean().nullable(), fields: TomlTableSchema })),
  })
  .describe("One output file's index: everything but the channels' values.");

export const RunIdParamsSchema = z.object({ id: z.string().describe('A run id from GET /runs.') });

export { ChannelQuerySchema, DEFAULT_SERIES_POINTS, MAX_SERIES_POINTS, wholeNumber } from '../../runtime/run-file/channel-query.js';

export const ChannelSeriesSchema = z
  .object({
    device: z.string(),
    channel: z.string(),
    unit: z.string(),
    shape: z.enum(['single', 'trace']),
    count: z.number().int().describe('Values (single) or rows (trace) in the channel.'),
    row: z.number().int().nullable().describe('The row shown (trace), from 0; null for a single channel.'),
    length: z.number().int().describe("Points in the series: the values (single), the row's length (trace)."),
    from: z.number().int().describe("The first point shown (the query's `from`, at most `length`)."),
    to: z.number().int().describe("One past the last point shown (the query's `to`, at most `length`)."),
    downsampled: z.boolean().describe('Fewer points than `to − from`.'),
    x: z.array(z.number().int()).describe('The index of each point: in the channel (single), in the row (trace).'),
    time: z
      .array(z.number())
      .nullable()
      .describe(
        "A single channel with a timestamp per value: each point's seconds since the channel's first timestamp; null otherwise (a trace, a channel without timestamps, a timestamp that is not RFC 3339).",
      ),
    y: z.array(z.number().nullable()).describe('The values; NaN and ±infinity as null.'),
    paired: z
      .object({
        channel: z.string(),
        unit: z.string(),
        values: z.array(z.number().nullable()).describe("The `x` channel's value paired with each point; NaN and ±infinity as null."),
      })
      .nullable()
      .describe('With `x`: the X/Y pairs are (paired.values[i], y[i]); null otherwise.'),
  })
  .describe("A channel's values for a plot.");
export type ChannelSeriesBody = z.infer<typeof ChannelSeriesSchema>;
