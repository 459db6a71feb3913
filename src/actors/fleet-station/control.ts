/**
 * A station's answers to control requests (`rex.station.<node>.<op>`): the same operations and
 * answers as the HTTP API (docs/serve.md), from the same code (src/runtime/run-control/,
 * src/runtime/run-file/past-run-answers.ts), as a `{status, body}` envelope
 * (src/protocol/fleet/stations.ts).
 */
import type { z } from 'zod';
import type { Command } from '../../protocol/messages.js';
import {
  type ControlReply,
  LogCursor,
  LONE_RUN_REFUSAL,
  isStationOp,
  STATION_OPS,
  PART_BYTES,
  RunChannelRequest,
  RunFileRequest,
  RunIdRequest,
  type StationPart,
} from '../../protocol/fleet/stations.js';
import { isTraceRangeLine, parseTraceRangeLine, traceRangeLine } from '../../protocol/trace-range.js';
import { listScripts } from '../../runtime/run-control/path-policy.js';
import { type AskableRun, type AskRun, askCurrentRun, limitRunAsks } from '../../runtime/run-control/run-answers.js';
import { parseRunRequest, RUN_BODY_EXPECTED } from '../../runtime/run-control/run-request.js';
import { errorAnswer, type LaunchRequest, type LaunchResult, type RunPolicy, startRun } from '../../runtime/run-control/start-run.js';
import { ChannelQuerySchema } from '../../runtime/run-file/channel-query.js';
import { HeldReplies } from './held-replies.js';
import { fileError, PastRunAnswers } from '../../runtime/run-file/past-run-answers.js';

/** As the gateway: a run that does not answer within 5 s is a 504. */
const TCP_TIMEOUT_MS = 5_000;

/** The ops that are a command word to the run. */
type RunOp = 'pause' | 'continue' | 'kill' | 'status' | 'datastream' | 'datastream_full';
const COMMAND_OF: Record<RunOp, Command> = {
  pause: 'PAUSE_STATE',
  continue: 'RESUME_STATE',
  kill: 'KILL',
  status: 'STATE',
  datastream: 'GET_DATASTREAM',
  datastream_full: 'GET_DATASTREAM_FULL',
};
const JSON_OPS = new Set<RunOp>(['status', 'datastream', 'datastream_full']);
const STATION_OPS_TEXT = STATION_OPS.join(', ');

export interface ControlContext {
  /** The run as `serve.state` gives it (GET /run's fields): the `state` op's answer. */
  runState(): AskableRun;
  /** The live tail of the run's log after a cursor (`serve.log`). */
  runLog(cursor: z.infer<typeof LogCursor>): Promise<unknown>;
  /** Where past runs are listed from (a lone run: its output directory). */
  allowedOutputDirs: string[];
  /** What `GET /allowed_scripts` answers from (a lone run: its working directory, and no scripts). */
  scriptsBase: string;
  /** null: a lone `rex run`, which starts no runs. */
  policy: RunPolicy | null;
  launch(request: LaunchRequest): Promise<LaunchResult>;
  log(level: 'info' | 'warn', message: string): void;
}

export class StationControl {
  private readonly ask: AskRun;
  private readonly pastRuns: PastRunAnswers;
  /** Answers too large for one message, until the asker has pulled them (`reply_part`). */
  readonly held = new HeldReplies();

  constructor(private readonly context: ControlContext) {
    // The gateway's bounds: 16 exchanges with the run at once, 256 in line, then 503.
    this.ask = limitRunAsks((command, signal) => askCurrentRun(context.runState(), command, TCP_TIMEOUT_MS, signal), 16, 256);
    this.pastRuns = new PastRunAnswers(context.allowedOutputDirs);
  }

  /** `limit`: the most bytes of a part (`run_file`). */
  async answer(op: string, data: Uint8Array, from: string, limit = PART_BYTES): Promise<ControlReply | StationPart> {
    if (!isStationOp(op)) return { status: 404, body: `no operation ${JSON.stringify(op)}; a station answers ${STATION_OPS_TEXT}` };
    switch (op) {
      case 'run':
        return this.run(data, from);
      case 'state':
        return { status: 200, body: this.context.runState() };
      case 'log':
        return this.withRequest(data, LogCursor, async (cursor) => ({ status: 200, body: await this.context.runLog(cursor) }));
      case 'datastream_range':
        return this.range(data);
      case 'runs':
        return this.pastRuns.list();
      case 'run_index':
        return this.withRequest(data, RunIdRequest, ({ id }) => this.pastRuns.index(id));
      case 'run_channel':
        return this.withRequest(data, RunChannelRequest, async ({ id, query }) => {
          const parsed = ChannelQuerySchema.safeParse(query);
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            return fileError(400, `${issue.path.join('.')}: ${issue.message}`, [String(issue.path[0])]);
          }
          return (await this.pastRuns.channel(id, parsed.data)) ?? fileError(500, 'the read was abandoned');
        });
      case 'run_file':
        return this.withRequest(data, RunFileRequest, ({ id, offset, identity }) => this.pastRuns.part(id, offset, identity, limit));
      case 'reply_part':
        return this.held.part(data, limit);
      case 'allowed_scripts':
        // A lone `rex run` starts no run: no scripts (as `rex run --web`).
        return {
          status: 200,
          body: this.context.policy ? listScripts(this.context.policy.scriptsDir) : { base_dir: this.context.scriptsBase, files: [] },
        };
      case 'allowed_output_dirs':
        return { status: 200, body: { dirs: this.context.allowedOutputDirs } };
      default:
        return this.command(op);
    }
  }

  /** An op whose request data is JSON of `schema`: anything else is a 400. */
  private async withRequest<T, A>(data: Uint8Array, schema: z.ZodType<T>, answer: (request: T) => Promise<A>): Promise<A | ControlReply> {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(data));
    } catch {
      value = undefined;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      return fileError(400, `the request's data: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return answer(parsed.data);
  }

  /** `GET /datastream/full?device=...&channel=...`: checked as the run checks the line. */
  private async range(data: Uint8Array): Promise<ControlReply> {
    let line = '';
    try {
      line = traceRangeLine(JSON.parse(new TextDecoder().decode(data)));
    } catch {
      // Not JSON: refused below.
    }
    const range = isTraceRangeLine(line)
      ? parseTraceRangeLine(line)
      : { reason: 'expected a JSON object {"device", "channel", "from", "to"}' };
    if ('reason' in range) return fileError(400, range.reason);
    return this.reply('datastream_full', await this.ask({ range }));
  }

  private async command(op: RunOp): Promise<ControlReply> {
    return this.reply(op, await this.ask(COMMAND_OF[op]));
  }

  private reply(op: RunOp, answer: Awaited<ReturnType<AskRun>>): ControlReply {
    if (op === 'pause' || op === 'continue' || op === 'kill')
      this.context.log(answer.ok ? 'info' : 'warn', `${op} from the fleet: ${answer.ok ? answer.text : answer.message}`);
    if (!answer.ok) return { status: answer.status, body: answer.message };
    if (!JSON_OPS.has(op)) return { status: 200, body: answer.text };
    try {
      return { status: 200, body: JSON.parse(answer.text) };
    } catch {
      return { status: 502, body: `Received malformed JSON: ${answer.text.slice(0, 1000)}` };
    }
  }

  /** `POST /run`: the same body, checks and answers. */
  private async run(data: Uint8Array, from: string): Promise<ControlReply> {
    const { policy } = this.context;
    if (policy === null) return errorAnswer(409, LONE_RUN_REFUSAL);
    const text = new TextDecoder().decode(data);
    if (text.trim() === '') return errorAnswer(400, `body: expected ${RUN_BODY_EXPECTED}, got nothing`, { fields: ['body'] });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return errorAnswer(400, `body: not valid JSON: ${(error as Error).message}`);
    }
    const parsed = parseRunRequest(body);
    if (!parsed.ok) return errorAnswer(400, parsed.message, { fields: parsed.fields });
    return startRun(parsed.request, policy, this.context.launch, this.context.log, `run from ${from}`);
  }
}
