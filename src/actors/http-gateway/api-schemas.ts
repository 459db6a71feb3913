/**
 * The JSON the API answers with, as zod schemas, and the response descriptions the routes declare
 * with them: the routes build values of these types, and @fastify/swagger describes the API from
 * the same schemas (GET /openapi.json). Pure.
 */
import { z } from 'zod';
import type { ServeRunState } from './messages.js';
import { describeRunExit } from '../../protocol/run-exit.js';
import { wholeNumber } from './runs-schemas.js';
import { expected } from '../../runtime/run-control/validation-message.js';

export const RunStartedSchema = z
  .object({
    id: z.string().describe('The run UUID (the script sees it as REX_UUID), or "None" when a run was already going.'),
    message: z.string().describe('"session started", or "Session is already running, ignoring request".'),
  })
  .describe("The original's reply to POST /run.");
export type RunStarted = z.infer<typeof RunStartedSchema>;

export const RunStateSchema = z
  .object({
    phase: z
      .enum(['idle', 'starting', 'running', 'ended'])
      .describe('idle: no run yet; starting: launched, its TCP port not open yet; running; ended: the last run has ended.'),
    id: z.string().nullable(),
    script: z.string().nullable(),
    output_dir: z.string().nullable(),
    pid: z.number().int().nullable().describe('Process id of the `rex run` child.'),
    port: z.number().int().nullable().describe("The run's TCP port, once it listens."),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    exit_code: z
      .number()
      .int()
      .nullable()
      .describe(
        'Exit code of `rex run`: 0 ok, 1 the script failed, 2 bad arguments, 3 validation failed, 4 rex failed, 130/143 interrupted.',
      ),
    signal: z.string().nullable(),
    exit_status: z.string().nullable().describe('The exit code in words, once ended.'),
    output_files: z.array(z.string()),
    log_file: z.string().nullable(),
    log_tail: z.array(z.string()).describe('The last lines of the run log, once ended.'),
  })
  .describe('The run started by POST /run, or the last one.');
export type RunStateBody = z.infer<typeof RunStateSchema>;

export function runStateBody(state: ServeRunState): RunStateBody {
  return {
    phase: state.phase,
    id: state.id,
    script: state.script,
    output_dir: state.outputDir,
    pid: state.pid,
    port: state.port,
    started_at: state.startedAt,
    ended_at: state.endedAt,
    exit_code: state.exitCode,
    signal: state.signal,
    exit_status: state.phase === 'ended' ? describeRunExit(state.exitCode, state.signal) : null,
    output_files: state.outputFiles,
    log_file: state.logFile,
    log_tail: state.logTail,
  };
}

export const AllowedScriptsSchema = z
  .object({ base_dir: z.string(), files: z.array(z.string()) })
  .describe('Scripts POST /run may start: .py, .rs and .m files up to four levels below the scripts directory.');

export const AllowedOutputDirsSchema = z.object({ dirs: z.array(z.string()) }).describe('Directories POST /run may write output to.');

export const ErrorSchema = z
  .object({
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string().describe('What is wrong, naming the field: e.g. "loops: expected a whole number ≥ 1, got 0".'),
    fields: z.array(z.string()).optional().describe('The request fields at fault.'),
    id: z.string().optional(),
  })
  .describe('An error.');
export type ErrorBody = z.infer<typeof ErrorSchema>;

/** Datastream and STATE replies are the run's own JSON (docs/protocol.md), passed through unchanged. */
export const RunJsonSchema = z.record(z.string(), z.unknown()).describe("The run's reply, as its TCP server gives it.");

/** Response descriptions for route schemas (fastify's `content` form, so text replies are described too). */
export const jsonReply = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const textReply = (description: string) => ({ description, content: { 'text/plain': { schema: z.string() } } });
export const errorReply = (description: string) => jsonReply(ErrorSchema, description);
/** A reply without a body (@fastify/swagger documents `type: null` as no content). */
export const emptyReply = (description: string) => z.null().describe(description);
export const NO_RUN_REPLY = textReply('No run to ask ("Error communicating with TCP server: ..."), or the run could not be reached.');
export const SLOW_RUN_REPLY = textReply('The run did not answer within the time limit.');
export const BUSY_RUN_REPLY = textReply('Too many commands are already waiting for the run; try again.');

const POINT_TEXT = 'a point index, a whole number ≥ 0';
const name = (what: string) => z.string(expected(what)).min(1, expected(what));

/** `GET /datastream/full`'s query: none (every channel), or one channel and a range of its newest row. */
export const TraceRangeQuerySchema = z
  .object({
    device: name('a device name')
      .optional()
      .describe('With `channel`: only this channel (a trace: its newest row, points `from` to `to`).'),
    channel: name('a channel name').optional().describe('The channel of `device`.'),
    from: wholeNumber(POINT_TEXT, 0, Number.MAX_SAFE_INTEGER).optional().describe('The first point of the row (default 0).'),
    to: wholeNumber(POINT_TEXT, 0, Number.MAX_SAFE_INTEGER)
      .optional()
      .describe("One past the last point (default the row's end; beyond it, the row's end). Greater than `from`."),
  })
  .superRefine((query, context) => {
    const needs = (field: 'device' | 'channel', what: string) =>
      context.addIssue({
        code: 'custom',
        path: [field],
        message: `expected ${what} with ${field === 'device' ? 'channel, from or to' : 'device'}, got nothing`,
      });
    if (query.device === undefined && (query.channel ?? query.from ?? query.to) !== undefined) needs('device', 'a device name');
    if (query.device !== undefined && query.channel === undefined) needs('channel', 'a channel name');
    if (query.from !== undefined && query.to !== undefined && query.to <= query.from)
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: `expected a point index greater than from (${query.from}), got ${query.to}`,
      });
  });
